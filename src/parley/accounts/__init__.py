"""Accounts: sign-up, credentials, profiles."""
