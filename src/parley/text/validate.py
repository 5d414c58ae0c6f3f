"""Validation of usernames, lists, hashtags, URLs and (legacy) post text.

A port of twitter-text's ``Validation`` module (Ruby ``validation.rb``). URL
validation follows RFC 3986 as upstream does, optionally allowing internationalised
(unencoded) domain names and a missing ``http(s)://`` scheme.
"""

from __future__ import annotations

import re
import unicodedata

from . import regexes as rx
from .extract import extract_hashtags, extract_mentioned_screen_names, extract_urls_with_indices

MAX_LENGTH_LEGACY = 140
"""Post length limit of the legacy (pre-weighted) validation."""

SHORT_URL_LENGTH = 23
"""Length every URL counts as in the legacy validation (a t.co link)."""


def is_valid_username(text: str) -> bool:
    """Return True when ``text`` is exactly one ``@username`` mention."""
    if not text:
        return False
    extracted = extract_mentioned_screen_names(text)
    return len(extracted) == 1 and extracted[0] == text[1:]


def is_valid_list(text: str) -> bool:
    """Return True when ``text`` is exactly one ``@username/list-slug`` reference."""
    if not text:
        return False
    match = rx.VALID_LIST.match(text)
    return bool(match and match.group(1) == "" and match.group(4))


def is_valid_hashtag(text: str) -> bool:
    """Return True when ``text`` is exactly one ``#hashtag``."""
    if not text:
        return False
    extracted = extract_hashtags(text)
    return len(extracted) == 1 and extracted[0] == text[1:]


def _matches_whole(value: str | None, pattern: re.Pattern[str], *, optional: bool = False) -> bool:
    """Upstream ``valid_match?``: the leftmost match of ``pattern`` is all of ``value``.

    A missing (None) ``value`` passes only when ``optional``.
    """
    if value is None:
        return optional
    match = pattern.search(value)
    return match is not None and match.group(0) == value


def is_valid_url(text: str, unicode_domains: bool = True, require_protocol: bool = True) -> bool:
    """Validate a URL (RFC 3986 based, as twitter-text's ``valid_url?``).

    ``unicode_domains`` allows unencoded internationalised host names;
    ``require_protocol`` demands an ``http://`` or ``https://`` scheme.
    """
    if not text:
        return False
    parts = rx.VALIDATE_URL_UNENCODED.search(text)
    if parts is None or parts.group(0) != text:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and not (
        _matches_whole(scheme, rx.VALIDATE_URL_SCHEME)
        and scheme is not None
        and rx.VALIDATE_URL_HTTP_SCHEME.search(scheme)
    ):
        return False
    if not (
        _matches_whole(path, rx.VALIDATE_URL_PATH)
        and _matches_whole(query, rx.VALIDATE_URL_QUERY, optional=True)
        and _matches_whole(fragment, rx.VALIDATE_URL_FRAGMENT, optional=True)
    ):
        return False
    authority_pattern = (
        rx.VALIDATE_URL_UNICODE_AUTHORITY if unicode_domains else rx.VALIDATE_URL_AUTHORITY
    )
    return _matches_whole(authority, authority_pattern)


def legacy_tweet_length(text: str) -> int:
    """Legacy length: NFC code points, with every URL counted as :data:`SHORT_URL_LENGTH`."""
    length = len(unicodedata.normalize("NFC", text))
    for entity in extract_urls_with_indices(text):
        start, end = entity["indices"]
        length += start - end + SHORT_URL_LENGTH
    return length


def is_valid_tweet_text(text: str) -> bool:
    """Legacy post validation: not empty, at most 140 (legacy) characters, no invalid chars.

    Superseded by :func:`parley.text.parse_post`, kept for upstream parity.
    """
    if not text:
        return False
    if legacy_tweet_length(text) > MAX_LENGTH_LEGACY:
        return False
    return rx.INVALID_CHARS.search(text) is None
