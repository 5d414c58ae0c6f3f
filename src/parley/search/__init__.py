"""Search: accounts, hashtags and the full text of posts."""
