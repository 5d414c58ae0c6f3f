"""twitter-text conformance: extraction (``extract.yml``) and TLDs (``tlds.yml``).

Checks mirror upstream's Ruby conformance runner (``rb/test/conformance_test.rb``).
"""

from __future__ import annotations

from typing import Any

import pytest

from parley.text import (
    extract_cashtags,
    extract_cashtags_with_indices,
    extract_hashtags,
    extract_hashtags_with_indices,
    extract_mentioned_screen_names,
    extract_mentioned_screen_names_with_indices,
    extract_mentions_or_lists_with_indices,
    extract_reply_screen_name,
    extract_urls,
    extract_urls_with_indices,
    is_valid_url,
)

Case = dict[str, Any]


@pytest.mark.conformance("extract.yml", "mentions")
def test_mentions(case: Case) -> None:
    assert extract_mentioned_screen_names(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "mentions_with_indices")
def test_mentions_with_indices(case: Case) -> None:
    assert extract_mentioned_screen_names_with_indices(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "mentions_or_lists_with_indices")
def test_mentions_or_lists_with_indices(case: Case) -> None:
    assert extract_mentions_or_lists_with_indices(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "replies")
def test_replies(case: Case) -> None:
    assert extract_reply_screen_name(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "urls", "tco_urls_with_params")
def test_urls(case: Case) -> None:
    assert extract_urls(case["text"]) == case["expected"]
    # The Ruby runner also requires every extracted URL to pass validation.
    for url in case["expected"]:
        assert is_valid_url(url, unicode_domains=True, require_protocol=False), url


@pytest.mark.conformance("extract.yml", "urls_with_indices", "urls_with_directional_markers")
def test_urls_with_indices(case: Case) -> None:
    assert extract_urls_with_indices(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "hashtags", "hashtags_from_astral")
def test_hashtags(case: Case) -> None:
    assert extract_hashtags(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "hashtags_with_indices")
def test_hashtags_with_indices(case: Case) -> None:
    assert extract_hashtags_with_indices(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "cashtags")
def test_cashtags(case: Case) -> None:
    assert extract_cashtags(case["text"]) == case["expected"]


@pytest.mark.conformance("extract.yml", "cashtags_with_indices")
def test_cashtags_with_indices(case: Case) -> None:
    assert extract_cashtags_with_indices(case["text"]) == case["expected"]


@pytest.mark.conformance("tlds.yml", "country", "generic")
def test_tlds(case: Case) -> None:
    assert extract_urls(case["text"]) == case["expected"]
