"""The Mastodon client API."""
