"""Guard: every section of every conformance YAML file is exercised by some test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

COVERED_SECTIONS: dict[str, set[str]] = {
    "extract.yml": {
        "mentions",
        "mentions_with_indices",
        "mentions_or_lists_with_indices",
        "replies",
        "urls",
        "urls_with_indices",
        "urls_with_directional_markers",
        "tco_urls_with_params",
        "hashtags",
        "hashtags_from_astral",
        "hashtags_with_indices",
        "cashtags",
        "cashtags_with_indices",
    },
    "tlds.yml": {"country", "generic"},
    "validate.yml": {
        "tweets",
        "usernames",
        "lists",
        "hashtags",
        "urls",
        "urls_without_protocol",
        "WeightedTweetsCounterTest",
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
    },
    "autolink.yml": {"usernames", "lists", "hashtags", "urls", "cashtags", "all", "json"},
    "hit_highlighting.yml": {"plain_text", "with_links"},
}


@pytest.mark.parametrize("filename", sorted(COVERED_SECTIONS))
def test_every_section_is_tested(
    filename: str, conformance_suite: Callable[[str], dict[str, list[dict[str, Any]]]]
) -> None:
    sections = set(conformance_suite(filename))
    assert sections <= COVERED_SECTIONS[filename], sections - COVERED_SECTIONS[filename]
    assert all(conformance_suite(filename)[section] for section in sections)
