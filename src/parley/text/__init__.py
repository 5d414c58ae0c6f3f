"""Post text processing: a Python port of twitter-text.

Extraction of mentions, lists, replies, URLs, hashtags and cashtags; validation;
weighted length counting (``parseTweet``, configs v1/v2/v3); HTML auto-linking and
hit highlighting. Behaviour follows twitter-text's cross-language conformance suite
(https://github.com/twitter/twitter-text, Apache License 2.0).

Entity ``indices`` are ``[start, end)`` **code point** offsets (Python string indices);
convert them with :func:`utf16_offset` / :func:`entities_to_utf16` where UTF-16 offsets
are needed. :func:`parse_post` ranges are UTF-16 based with inclusive ends, as upstream.
"""

from __future__ import annotations

from .autolink import (
    autolink,
    autolink_cashtags,
    autolink_entities,
    autolink_hashtags,
    autolink_urls,
    autolink_usernames_and_lists,
    autolink_with_json,
    html_escape,
)
from .autolink_options import AutolinkOptions
from .emoji import extract_emoji_with_indices, is_valid_emoji
from .extract import (
    CashtagEntity,
    Entity,
    HashtagEntity,
    MentionEntity,
    MentionOrListEntity,
    UrlEntity,
    extract_cashtags,
    extract_cashtags_with_indices,
    extract_entities_with_indices,
    extract_hashtags,
    extract_hashtags_with_indices,
    extract_mentioned_screen_names,
    extract_mentioned_screen_names_with_indices,
    extract_mentions_or_lists_with_indices,
    extract_reply_screen_name,
    extract_urls,
    extract_urls_with_indices,
)
from .highlight import hit_highlight
from .offsets import (
    codepoint_offset,
    entities_from_utf16,
    entities_to_utf16,
    utf16_length,
    utf16_offset,
)
from .validate import (
    is_valid_hashtag,
    is_valid_list,
    is_valid_tweet_text,
    is_valid_url,
    is_valid_username,
)
from .weighted import ParseResult, TextConfig, load_config, parse_post

__all__ = [
    "AutolinkOptions",
    "CashtagEntity",
    "Entity",
    "HashtagEntity",
    "MentionEntity",
    "MentionOrListEntity",
    "ParseResult",
    "TextConfig",
    "UrlEntity",
    "autolink",
    "autolink_cashtags",
    "autolink_entities",
    "autolink_hashtags",
    "autolink_urls",
    "autolink_usernames_and_lists",
    "autolink_with_json",
    "codepoint_offset",
    "entities_from_utf16",
    "entities_to_utf16",
    "extract_cashtags",
    "extract_cashtags_with_indices",
    "extract_emoji_with_indices",
    "extract_entities_with_indices",
    "extract_hashtags",
    "extract_hashtags_with_indices",
    "extract_mentioned_screen_names",
    "extract_mentioned_screen_names_with_indices",
    "extract_mentions_or_lists_with_indices",
    "extract_reply_screen_name",
    "extract_urls",
    "extract_urls_with_indices",
    "hit_highlight",
    "html_escape",
    "is_valid_emoji",
    "is_valid_hashtag",
    "is_valid_list",
    "is_valid_tweet_text",
    "is_valid_url",
    "is_valid_username",
    "load_config",
    "parse_post",
    "utf16_length",
    "utf16_offset",
]
