"""Notifications: who did what that concerns you."""
