"""twitter-text conformance: validation and weighted length (``validate.yml``).

As upstream's Java runner, the weighted-length checks include the UTF-16 display and
valid ranges (the Ruby runner skips those four keys).
"""

from __future__ import annotations

from typing import Any

import pytest

from parley.text import (
    ParseResult,
    is_valid_hashtag,
    is_valid_list,
    is_valid_tweet_text,
    is_valid_url,
    is_valid_username,
    parse_post,
)

Case = dict[str, Any]


def as_upstream_map(result: ParseResult) -> dict[str, Any]:
    """Render a :class:`ParseResult` with upstream's camelCase keys."""
    return {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": result.display_range_start,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": result.valid_range_start,
        "validRangeEnd": result.valid_range_end,
    }


@pytest.mark.conformance("validate.yml", "tweets")
def test_tweets(case: Case) -> None:
    assert is_valid_tweet_text(case["text"]) is case["expected"]


@pytest.mark.conformance("validate.yml", "usernames")
def test_usernames(case: Case) -> None:
    assert is_valid_username(case["text"]) is case["expected"]


@pytest.mark.conformance("validate.yml", "lists")
def test_lists(case: Case) -> None:
    assert is_valid_list(case["text"]) is case["expected"]


@pytest.mark.conformance("validate.yml", "hashtags")
def test_hashtags(case: Case) -> None:
    assert is_valid_hashtag(case["text"]) is case["expected"]


@pytest.mark.conformance("validate.yml", "urls")
def test_urls(case: Case) -> None:
    assert is_valid_url(case["text"]) is case["expected"]


@pytest.mark.conformance("validate.yml", "urls_without_protocol")
def test_urls_without_protocol(case: Case) -> None:
    assert (
        is_valid_url(case["text"], unicode_domains=True, require_protocol=False) is case["expected"]
    )


@pytest.mark.conformance("validate.yml", "WeightedTweetsCounterTest")
def test_weighted_v2(case: Case) -> None:
    assert as_upstream_map(parse_post(case["text"], config="v2")) == case["expected"]


@pytest.mark.conformance("validate.yml", "WeightedTweetsWithDiscountedEmojiCounterTest")
def test_weighted_v3_emoji(case: Case) -> None:
    assert as_upstream_map(parse_post(case["text"], config="v3")) == case["expected"]


@pytest.mark.conformance("validate.yml", "UnicodeDirectionalMarkerCounterTest")
def test_weighted_default_config(case: Case) -> None:
    assert as_upstream_map(parse_post(case["text"])) == case["expected"]
