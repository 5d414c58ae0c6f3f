"""OAuth 2 as Mastodon does it, through Authlib's authorization server."""
