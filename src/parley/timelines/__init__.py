"""Timelines: home, public, hashtag and profile lists of posts."""
