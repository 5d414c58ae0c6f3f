"""Unit tests for ``parley.text`` beyond the conformance suite: options, configs, helpers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from parley.text import (
    ParseResult,
    TextConfig,
    autolink,
    autolink_hashtags,
    autolink_urls,
    autolink_usernames_and_lists,
    autolink_with_json,
    codepoint_offset,
    entities_from_utf16,
    entities_to_utf16,
    extract_emoji_with_indices,
    extract_entities_with_indices,
    extract_urls_with_indices,
    html_escape,
    is_valid_emoji,
    load_config,
    parse_post,
    utf16_length,
    utf16_offset,
)

# -- offsets ---------------------------------------------------------------------------


def test_utf16_offsets_count_astral_characters_twice() -> None:
    text = "😀 #tag"
    assert utf16_length(text) == 7
    assert utf16_offset(text, 2) == 3
    assert codepoint_offset(text, 3) == 2
    assert codepoint_offset(text, 1) == 1  # inside the surrogate pair: rounded up
    with pytest.raises(ValueError):
        utf16_offset(text, 99)


def test_entities_round_trip_between_code_points_and_utf16() -> None:
    text = "𠀡 @user #tag"
    entities = extract_entities_with_indices(text)
    assert [e["indices"] for e in entities] == [[2, 7], [8, 12]]
    utf16 = entities_to_utf16(text, entities)
    assert [e["indices"] for e in utf16] == [[3, 8], [9, 13]]
    assert entities_from_utf16(text, utf16) == entities
    assert [e["indices"] for e in entities] == [[2, 7], [8, 12]]  # inputs untouched


# -- extraction ------------------------------------------------------------------------


def test_entities_are_ordered_and_urls_win_overlaps() -> None:
    entities = extract_entities_with_indices("$AAPL http://example.com/#tag @user #real")
    assert [
        next(k for k in ("cashtag", "url", "screen_name", "hashtag") if k in e) for e in entities
    ] == [
        "cashtag",
        "url",
        "screen_name",
        "hashtag",
    ]


def test_urls_without_protocol_can_be_disabled() -> None:
    text = "see example.com and https://example.org"
    assert [e["url"] for e in extract_urls_with_indices(text)] == [
        "example.com",
        "https://example.org",
    ]
    urls = extract_urls_with_indices(text, extract_url_without_protocol=False)
    assert urls == [{"url": "https://example.org", "indices": [20, 39]}]


def test_emoji_extraction() -> None:
    text = "a 👨\u200d👩\u200d👧 b 🇯🇵"
    assert extract_emoji_with_indices(text) == [
        {"emoji": "👨\u200d👩\u200d👧", "indices": [2, 7]},
        {"emoji": "🇯🇵", "indices": [10, 12]},
    ]
    assert is_valid_emoji("🙋🏽")
    assert not is_valid_emoji("🙋🏽x")


# -- weighted length -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_bundled_configs_match_upstream(version: str, conformance_path: Path) -> None:
    upstream = json.loads((conformance_path / f"config-{version}.json").read_text("utf-8"))
    assert load_config(version) == TextConfig.from_dict(upstream)
    assert load_config(version).version == int(version[1])


def test_config_accepts_mappings_and_rejects_unknown_keys() -> None:
    camel = {"maxWeightedTweetLength": 10, "scale": 1, "defaultWeight": 1}
    snake = {"max_weighted_tweet_length": 10, "scale": 1, "default_weight": 1}
    assert parse_post("x" * 11, camel) == parse_post("x" * 11, snake)
    assert parse_post("x" * 11, TextConfig.from_dict(camel)).valid is False
    with pytest.raises(ValueError):
        parse_post("x", {"maxLength": 3})
    with pytest.raises(ValueError):
        parse_post("x", "v9")


def test_parse_result_is_frozen_and_empty_text_is_invalid() -> None:
    result = parse_post("")
    assert isinstance(result, ParseResult)
    assert (result.valid, result.weighted_length, result.valid_range_end) == (False, 0, -1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = True  # type: ignore[misc]


def test_v1_counts_code_points_and_urls() -> None:
    result = parse_post("😀 https://example.com/a/very/long/path/indeed", "v1")
    assert result.weighted_length == 1 + 1 + 23
    assert (
        result.display_range_end
        == utf16_length("😀 https://example.com/a/very/long/path/indeed") - 1
    )


def test_v3_discounts_emoji_sequences() -> None:
    assert parse_post("👨\u200d👩\u200d👧\u200d👦", "v2").weighted_length == 7 * 2 - 3
    assert parse_post("👨\u200d👩\u200d👧\u200d👦", "v3").weighted_length == 2


# -- autolink options ------------------------------------------------------------------


def test_nofollow_is_added_by_default() -> None:
    assert autolink_usernames_and_lists("@bob") == (
        '@<a class="tweet-url username" href="https://twitter.com/bob" rel="nofollow">bob</a>'
    )


def test_url_bases_and_classes() -> None:
    html = autolink(
        "@bob @ann/friends #tag $AAPL http://x.com",
        suppress_no_follow=True,
        username_url_base="/@",
        list_url_base="/lists/",
        hashtag_url_base="/tags/",
        cashtag_url_base="/cash/",
        username_class="u",
        list_class="l",
        hashtag_class="h",
        cashtag_class="c",
        url_class="link",
    )
    assert html == (
        '@<a class="u" href="/@bob">bob</a> '
        '@<a class="l" href="/lists/ann/friends">ann/friends</a> '
        '<a href="/tags/tag" title="#tag" class="h">#tag</a> '
        '<a href="/cash/AAPL" title="$AAPL" class="c">$AAPL</a> '
        '<a href="http://x.com" class="link">http://x.com</a>'
    )


def test_symbol_and_target_options() -> None:
    html = autolink(
        "@bob http://x.com",
        username_include_symbol=True,
        symbol_tag="s",
        text_with_symbol_tag="b",
        url_target="_top",
        suppress_no_follow=True,
    )
    assert html == (
        '<a class="tweet-url username" href="https://twitter.com/bob"><s>@</s><b>bob</b></a> '
        '<a href="http://x.com" target="_top">http://x.com</a>'
    )
    assert 'target="_blank"' in autolink_hashtags("#tag", target_blank=True)


def test_attribute_and_text_callbacks() -> None:
    def add_attrs(entity: Mapping[str, Any], attrs: dict[str, Any]) -> None:
        attrs["data-kind"] = "mention" if "screen_name" in entity else "other"

    def shout(entity: Mapping[str, Any], text: str) -> str:
        return text.upper()

    html = autolink_usernames_and_lists(
        "@bob",
        html_attrs={"data-x": "1", "rel": None},
        link_attribute_block=add_attrs,
        link_text_block=shout,
    )
    assert html == (
        '@<a class="tweet-url username" href="https://twitter.com/bob" data-x="1" '
        'data-kind="mention">BOB</a>'
    )


def test_url_blocks_build_hrefs() -> None:
    upper: Callable[[str], str] = lambda value: "/u/" + value.upper()  # noqa: E731
    html = autolink(
        "@bob #tag http://x.com",
        suppress_no_follow=True,
        username_url_block=upper,
        hashtag_url_block=upper,
        link_url_block=upper,
    )
    assert 'href="/u/BOB"' in html
    assert 'href="/u/TAG"' in html
    assert 'href="/u/HTTP://X.COM"' in html


def test_suppress_lists_links_the_user_only() -> None:
    html = autolink_usernames_and_lists(
        "@ann/friends", suppress_lists=True, suppress_no_follow=True
    )
    assert html == '@<a class="tweet-url username" href="https://twitter.com/ann">ann</a>/friends'


def test_rtl_hashtags_get_an_extra_class() -> None:
    assert 'class="tweet-url hashtag rtl"' in autolink_hashtags("#עברית")


def test_text_between_entities_is_verbatim_unless_escaping_requested() -> None:
    assert autolink("<b>@bob</b>", suppress_no_follow=True).startswith("<b>@<a ")
    escaped = autolink("<b>@bob</b> & co", suppress_no_follow=True, html_escape_non_entities=True)
    assert escaped.startswith("&lt;b&gt;@<a ")
    assert escaped.endswith("</a>&lt;/b&gt; &amp; co")
    assert autolink("<i>", html_escape_non_entities=True) == "&lt;i&gt;"


def test_link_text_and_attributes_are_escaped() -> None:
    assert (
        html_escape("<a href=\"x\">'&'</a>")
        == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    )
    html = autolink_urls("http://x.com/?a='1'&b=2", suppress_no_follow=True)
    assert html == (
        '<a href="http://x.com/?a=&#39;1&#39;&amp;b=2">http://x.com/?a=&#39;1&#39;&amp;b=2</a>'
    )


def test_url_entities_render_display_urls() -> None:
    html = autolink_urls(
        "go http://t.co/abc",
        suppress_no_follow=True,
        url_entities=[
            {
                "url": "http://t.co/abc",
                "display_url": "example.com/\u2026",
                "expanded_url": "https://example.com/long/path",
            }
        ],
    )
    assert html.startswith('go <a href="http://t.co/abc" title="https://example.com/long/path">')
    assert "<span class='js-display-url'>example.com/</span>" in html
    assert html.endswith("&nbsp;</span>\u2026</span></a>")


def test_autolink_with_json_maps_symbols_and_skips_unknown_entities() -> None:
    entities = {"symbols": [{"text": "AAPL", "indices": [0, 5]}], "polls": [{"indices": [6, 7]}]}
    html = autolink_with_json("$AAPL x", entities, suppress_no_follow=True)
    assert (
        html
        == '<a href="https://twitter.com/search?q=%24AAPL" title="$AAPL" class="tweet-url cashtag">$AAPL</a> x'
    )


def test_unknown_options_are_rejected() -> None:
    with pytest.raises(TypeError):
        autolink("@bob", usrename_class="typo")  # type: ignore[call-arg]
