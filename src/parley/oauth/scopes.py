"""Mastodon's OAuth scopes and the rule that a parent scope grants its children."""

from __future__ import annotations

READ = [
    "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters",
    "read:follows", "read:lists", "read:mutes", "read:notifications", "read:search",
    "read:statuses",
]
WRITE = [
    "write:accounts", "write:blocks", "write:bookmarks", "write:conversations",
    "write:favourites", "write:filters", "write:follows", "write:lists", "write:media",
    "write:mutes", "write:notifications", "write:reports", "write:statuses",
]
ADMIN_READ = ["admin:read:accounts", "admin:read:reports"]
ADMIN_WRITE = ["admin:write:accounts", "admin:write:reports"]
# The deprecated "follow" scope stands for these, as in Mastodon.
FOLLOW = ["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"]

TOP_LEVEL = ["read", "write", "follow", "push", "profile", "admin:read", "admin:write"]
ALL_SCOPES = frozenset(TOP_LEVEL + READ + WRITE + ADMIN_READ + ADMIN_WRITE)


def parse(scope: str | None) -> list[str]:
    """Split a space- or plus-separated scope string, keeping order, dropping repeats."""
    seen: list[str] = []
    for part in (scope or "").replace("+", " ").split():
        if part not in seen:
            seen.append(part)
    return seen


def unknown(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s not in ALL_SCOPES]


def grants(granted: list[str] | frozenset[str] | set[str], required: str) -> bool:
    """True if a token holding ``granted`` may do what needs ``required``."""
    if required in granted:
        return True
    parent = required.rsplit(":", 1)[0] if required.count(":") >= 1 else None
    # "read:statuses" is granted by "read"; "admin:read:accounts" by "admin:read".
    if parent and parent != required and parent in granted:
        return True
    if required in FOLLOW and "follow" in granted:
        return True
    # "profile" (verify_credentials only) is granted by read and read:accounts.
    return required == "profile" and ("read" in granted or "read:accounts" in granted)


def covered_by(requested: list[str], allowed: list[str]) -> bool:
    """True if every requested scope is one the app registered, or a child of one."""
    return all(grants(set(allowed), scope) for scope in requested)
