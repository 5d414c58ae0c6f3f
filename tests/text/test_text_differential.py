"""Differential tests against twitter-text-parser (PyPI), a port of twitter-text's JS.

URL extraction and weighted counting are compared on every text of every conformance
file and on seeded random strings. Known, deliberate differences are excluded:

* ``"`` and `````` are not domain characters here (Ruby and Java), while the JS port
  accepts them in domains;
* for text starting with an invalid character the valid range ends at -1 (Ruby, Java)
  rather than 0 (JS), and empty text gets ``validRangeEnd`` -1 like the other ranges.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from parley.text import extract_urls_with_indices, parse_post

Suite = dict[str, list[dict[str, Any]]]

CONFORMANCE_FILES = (
    "extract.yml",
    "validate.yml",
    "autolink.yml",
    "hit_highlighting.yml",
    "tlds.yml",
)


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    """Import twitter-text-parser, or skip (it needs ``pkg_resources`` from setuptools)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import twitter_text
    except Exception as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"twitter-text-parser unavailable: {exc}")
    return twitter_text


def _reference_parse(reference: ModuleType, text: str, version: str) -> dict[str, Any]:
    from twitter_text.config import config

    options = dict(config[{"v2": "version2", "v3": "version3"}[version]])
    options.setdefault("emoji_parsing_enabled", False)
    result: dict[str, Any] = reference.parse_tweet(text, options).asdict()
    return result


def _ours(text: str, version: str) -> dict[str, Any]:
    result = parse_post(text, version)
    return {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": result.display_range_start,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": result.valid_range_start,
        "validRangeEnd": result.valid_range_end,
    }


def _comparable(text: str) -> bool:
    return (
        bool(text) and '"' not in text and "`" not in text and text[0] not in "\ufffe\ufeff\uffff"
    )


@pytest.mark.parametrize("filename", CONFORMANCE_FILES)
def test_conformance_texts_match_reference(
    filename: str, reference: ModuleType, conformance_suite: Callable[[str], Suite]
) -> None:
    texts = [case["text"] for cases in conformance_suite(filename).values() for case in cases]
    for text in filter(_comparable, texts):
        assert extract_urls_with_indices(text) == reference.extract_urls_with_indices(text), text
        for version in ("v2", "v3"):
            assert _ours(text, version) == _reference_parse(reference, text, version), text


_ALPHABET = [
    *"abcxyz019.-_/:?#@$&=()!' \n",
    "http://", "https://", ".com", ".co", ".jp", "t.co/", "www.", "日本", "ü", "é", "\u3000",
    "\u200e", "\u202a", "😀", "👨\u200d👩", "＃", "ＡＢ", ".みんな", "xn--ls8h", ".tv", "%20",
    "~", "|", ",", ";", "*", "+", "\ufffe",
]  # fmt: skip


def test_random_texts_match_reference(reference: ModuleType) -> None:
    rng = random.Random(20240601)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 25)))
        if not _comparable(text):
            continue
        ours = extract_urls_with_indices(text)
        assert ours == reference.extract_urls_with_indices(text), text
        # twitter-text-parser advances by the URL *string* length, Ruby/Java by the
        # entity indices; they differ only when a bare domain is rewritten.
        if all(len(u["url"]) == u["indices"][1] - u["indices"][0] for u in ours):
            assert _ours(text, "v3") == _reference_parse(reference, text, "v3"), text
