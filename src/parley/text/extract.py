"""Entity extraction: mentions, lists, replies, URLs, hashtags and cashtags.

A port of twitter-text's ``Extractor`` (Ruby ``extractor.rb``, JS ``extract*.js``).
All ``indices`` are ``[start, end)`` offsets in **code points** (Python string
indices), like the Ruby implementation and the Twitter API. Use
:func:`parley.text.offsets.entities_to_utf16` for UTF-16 offsets as in JS and Java.

Performance: the URL regex is upstream's backtracking pattern. Text made of thousands
of dot-separated labels with no TLD (``"a.a.a.…"``) costs quadratic time (about 40 ms
for 500 characters, seconds for 5,000), so bound the input length before extracting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from . import regexes as rx


class MentionEntity(TypedDict):
    """A ``@screen_name`` mention; ``indices`` cover the at sign and the name."""

    screen_name: str
    indices: list[int]


class MentionOrListEntity(TypedDict):
    """A mention or ``@screen_name/list-slug``; ``list_slug`` is ``""`` or ``"/slug"``."""

    screen_name: str
    list_slug: str
    indices: list[int]


class UrlEntity(TypedDict):
    """A URL; ``indices`` cover exactly the URL text."""

    url: str
    indices: list[int]


class HashtagEntity(TypedDict):
    """A hashtag without its hash sign; ``indices`` include the hash sign."""

    hashtag: str
    indices: list[int]


class CashtagEntity(TypedDict):
    """A cashtag without its dollar sign; ``indices`` include the dollar sign."""

    cashtag: str
    indices: list[int]


MAX_URL_LENGTH = 4096
"""Maximum URL length accepted by Twitter's backend (after punycode encoding)."""

MAX_TCO_SLUG_LENGTH = 40
"""Maximum length of a t.co slug."""

DEFAULT_PROTOCOL = "https://"

Entity = UrlEntity | MentionOrListEntity | HashtagEntity | CashtagEntity
"""Any entity returned by :func:`extract_entities_with_indices`."""

_EntityT = TypeVar("_EntityT", bound=Mapping[str, Any])


def remove_overlapping_entities(entities: Sequence[_EntityT]) -> list[_EntityT]:
    """Sort entities by start index and drop each one that overlaps its predecessor."""
    result: list[_EntityT] = []
    for entity in sorted(entities, key=lambda e: e["indices"][0]):
        if result and result[-1]["indices"][1] > entity["indices"][0]:
            continue
        result.append(entity)
    return result


# -- mentions and lists ----------------------------------------------------------------


def extract_mentions_or_lists_with_indices(text: str) -> list[MentionOrListEntity]:
    """Extract ``@user`` mentions and ``@user/list`` references with indices."""
    if not text or not rx.AT_SIGN.search(text):
        return []
    found: list[MentionOrListEntity] = []
    for match in rx.VALID_MENTION_OR_LIST.finditer(text):
        if rx.END_MENTION_MATCH.match(text, match.end()):
            continue
        list_slug = match.group(4) or ""
        end = match.end(4) if match.group(4) else match.end(3)
        found.append(
            {
                "screen_name": match.group(3),
                "list_slug": list_slug,
                "indices": [match.start(2), end],
            }
        )
    return found


def extract_mentioned_screen_names_with_indices(text: str) -> list[MentionEntity]:
    """Extract ``@user`` mentions (list references excluded) with indices."""
    return [
        {"screen_name": entity["screen_name"], "indices": entity["indices"]}
        for entity in extract_mentions_or_lists_with_indices(text)
        if not entity["list_slug"]
    ]


def extract_mentioned_screen_names(text: str) -> list[str]:
    """Extract the screen names mentioned in ``text``, in order, without ``@``."""
    return [entity["screen_name"] for entity in extract_mentioned_screen_names_with_indices(text)]


def extract_reply_screen_name(text: str) -> str | None:
    """Return the screen name a post replies to (a leading ``@mention``), or None."""
    if not text:
        return None
    match = rx.VALID_REPLY.match(text)
    if match is None or rx.END_MENTION_MATCH.match(text, match.end()):
        return None
    return match.group(1)


# -- URLs ------------------------------------------------------------------------------


def _idna_encode(domain: str) -> str | None:
    """Punycode-encode ``domain`` (IDNA 2003, like upstream); None when invalid."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _is_valid_url_length(url: str, protocol: str, domain: str) -> bool:
    """Check the punycoded URL fits :data:`MAX_URL_LENGTH` (JS ``isValidUrl``)."""
    encoded = _idna_encode(domain)
    if not encoded:
        return False
    return len(protocol) + len(url) + len(encoded) - len(domain) <= MAX_URL_LENGTH


def extract_urls_with_indices(
    text: str, *, extract_url_without_protocol: bool = True
) -> list[UrlEntity]:
    """Extract URLs with indices.

    With ``extract_url_without_protocol`` (the default) bare domains such as
    ``example.com`` are found too, but only their ASCII-only part; autolinking turns
    this off. t.co links are cut after the slug (and optional query) and rejected when
    the slug exceeds :data:`MAX_TCO_SLUG_LENGTH`.
    """
    if not text or ("." if extract_url_without_protocol else ":") not in text:
        return []
    urls: list[UrlEntity] = []
    for match in rx.VALID_URL.finditer(text):
        before = match.group(rx.VALID_URL_GROUP_BEFORE)
        url = match.group(rx.VALID_URL_GROUP_URL)
        protocol = match.group(rx.VALID_URL_GROUP_PROTOCOL)
        domain = match.group(rx.VALID_URL_GROUP_DOMAIN)
        path = match.group(rx.VALID_URL_GROUP_PATH)
        start, end = match.start(rx.VALID_URL_GROUP_URL), match.end(rx.VALID_URL_GROUP_URL)

        if not _is_valid_url_length(url, protocol or DEFAULT_PROTOCOL, domain):
            continue
        if protocol:
            tco = rx.VALID_TCO_URL.match(url)
            if tco is not None:
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group(0)
                end = start + len(url)
            urls.append({"url": url, "indices": [start, end]})
            continue

        if not extract_url_without_protocol:
            continue
        if rx.INVALID_URL_WITHOUT_PROTOCOL_PRECEDING_CHARS.search(before):
            continue
        # Without a protocol only ASCII domains are extracted (possibly several).
        last_url: UrlEntity | None = None
        for ascii_match in rx.VALID_ASCII_DOMAIN.finditer(domain):
            last_url = {
                "url": ascii_match.group(0),
                "indices": [start + ascii_match.start(), start + ascii_match.end()],
            }
            urls.append(last_url)
        if last_url is not None and path:
            # The last domain carries the path and query that followed it.
            last_url["url"] = url.replace(domain, last_url["url"], 1)
            last_url["indices"][1] = end
    return urls


def extract_urls(text: str, *, extract_url_without_protocol: bool = True) -> list[str]:
    """Extract the URLs in ``text``, in order (see :func:`extract_urls_with_indices`)."""
    return [
        entity["url"]
        for entity in extract_urls_with_indices(
            text, extract_url_without_protocol=extract_url_without_protocol
        )
    ]


# -- hashtags and cashtags ---------------------------------------------------------------


def extract_hashtags_with_indices(
    text: str, *, check_url_overlap: bool = True
) -> list[HashtagEntity]:
    """Extract hashtags with indices.

    A hashtag needs at least one letter, may not directly follow a letter, digit or
    ``&``, and is dropped when followed by another hash sign or ``://``. With
    ``check_url_overlap`` hashtags inside URLs (``example.com/#anchor``) are removed.
    """
    if not text or ("#" not in text and "\uff03" not in text):
        return []
    tags: list[HashtagEntity] = []
    for match in rx.VALID_HASHTAG.finditer(text):
        if rx.END_HASHTAG_MATCH.match(text, match.end()):
            continue
        tags.append({"hashtag": match.group(3), "indices": [match.start(2), match.end(3)]})

    if check_url_overlap and tags:
        urls = extract_urls_with_indices(text)
        if urls:
            merged: list[Mapping[str, Any]] = [*tags, *urls]
            tags = [
                {"hashtag": entity["hashtag"], "indices": entity["indices"]}
                for entity in remove_overlapping_entities(merged)
                if "hashtag" in entity
            ]
    return tags


def extract_hashtags(text: str) -> list[str]:
    """Extract the hashtags in ``text``, in order, without the hash sign."""
    return [entity["hashtag"] for entity in extract_hashtags_with_indices(text)]


def extract_cashtags_with_indices(text: str) -> list[CashtagEntity]:
    """Extract ``$CASHTAG`` symbols with indices (1-6 letters, optional ``.xx``/``_xx``)."""
    if not text or "$" not in text:
        return []
    return [
        {"cashtag": match.group(3), "indices": [match.start(2), match.end(3)]}
        for match in rx.VALID_CASHTAG.finditer(text)
    ]


def extract_cashtags(text: str) -> list[str]:
    """Extract the cashtags in ``text``, in order, without the dollar sign."""
    return [entity["cashtag"] for entity in extract_cashtags_with_indices(text)]


# -- everything ----------------------------------------------------------------------


def extract_entities_with_indices(
    text: str, *, extract_url_without_protocol: bool = True
) -> list[Entity]:
    """Extract URLs, mentions/lists, hashtags and cashtags, without overlaps, in order.

    When entities overlap, the one starting first wins (a URL beats the hashtag or
    mention inside it).
    """
    entities: list[Entity] = [
        *extract_urls_with_indices(text, extract_url_without_protocol=extract_url_without_protocol),
        *extract_mentions_or_lists_with_indices(text),
        *extract_hashtags_with_indices(text, check_url_overlap=False),
        *extract_cashtags_with_indices(text),
    ]
    return remove_overlapping_entities(entities) if entities else []
