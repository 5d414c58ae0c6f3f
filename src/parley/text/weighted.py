"""Weighted post length (twitter-text ``parseTweet``) and its configurations.

Text is NFC-normalised, then every code point is weighted by the configured ranges
(``defaultWeight`` otherwise); each URL counts ``transformedURLLength * scale`` and,
when ``emojiParsingEnabled``, each emoji (ZWJ sequences included) counts
``defaultWeight``. The weighted length is the sum divided by ``scale``.

The result's ranges follow the Java and JS ports: inclusive ends, counted in UTF-16
code units of the original (un-normalised) text. The configuration files shipped in
``configs/`` are upstream's ``config/v1.json``, ``v2.json`` and ``v3.json``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .emoji import VALID_EMOJI
from .extract import extract_urls_with_indices
from .regexes import INVALID_CHARS

DEFAULT_CONFIG_VERSION = "v3"


@dataclass(frozen=True)
class WeightedRange:
    """Code points ``start``..``end`` (inclusive) weigh ``weight``."""

    start: int
    end: int
    weight: int

    def contains(self, code_point: int) -> bool:
        """Return True when ``code_point`` lies within this range."""
        return self.start <= code_point <= self.end


@dataclass(frozen=True)
class TextConfig:
    """A twitter-text weighting configuration (the upstream JSON config, typed)."""

    version: int = 3
    max_weighted_tweet_length: int = 280
    scale: int = 100
    default_weight: int = 200
    transformed_url_length: int = 23
    emoji_parsing_enabled: bool = False
    ranges: tuple[WeightedRange, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextConfig:
        """Build a config from upstream JSON keys (``maxWeightedTweetLength`` ...).

        snake_case keys (``max_weighted_tweet_length``) are accepted too; missing keys
        take the defaults above. Unknown keys raise :class:`ValueError`.
        """
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = _CONFIG_KEYS.get(key, key)
            if name not in _CONFIG_FIELDS:
                raise ValueError(f"unknown twitter-text config key: {key!r}")
            values[name] = value
        if "ranges" in values:
            values["ranges"] = tuple(
                item if isinstance(item, WeightedRange) else WeightedRange(**item)
                for item in values["ranges"]
            )
        return cls(**values)

    def weight_of(self, code_point: int) -> int:
        """Return the (scaled) weight of a single code point."""
        for weighted_range in self.ranges:
            if weighted_range.contains(code_point):
                return weighted_range.weight
        return self.default_weight


_CONFIG_KEYS = {
    "maxWeightedTweetLength": "max_weighted_tweet_length",
    "defaultWeight": "default_weight",
    "transformedURLLength": "transformed_url_length",
    "emojiParsingEnabled": "emoji_parsing_enabled",
}
_CONFIG_FIELDS = frozenset(
    {
        "version",
        "max_weighted_tweet_length",
        "scale",
        "default_weight",
        "transformed_url_length",
        "emoji_parsing_enabled",
        "ranges",
    }
)


@cache
def load_config(version: str = DEFAULT_CONFIG_VERSION) -> TextConfig:
    """Load a bundled upstream configuration: ``"v1"``, ``"v2"`` or ``"v3"``."""
    if version not in ("v1", "v2", "v3"):
        raise ValueError(f"unknown twitter-text config version: {version!r}")
    config_file = resources.files("parley.text").joinpath("configs").joinpath(f"{version}.json")
    raw = config_file.read_text("utf-8")
    return TextConfig.from_dict(json.loads(raw))


def resolve_config(config: str | Mapping[str, Any] | TextConfig) -> TextConfig:
    """Accept a version name, a JSON-style mapping or a :class:`TextConfig`."""
    if isinstance(config, TextConfig):
        return config
    if isinstance(config, str):
        return load_config(config)
    return TextConfig.from_dict(config)


@dataclass(frozen=True)
class ParseResult:
    """Outcome of :func:`parse_post`.

    ``weighted_length`` is the length that counts against the limit and
    ``permillage`` its share of the limit in thousandths. ``valid`` is False for empty
    text, text over the limit, or text with invalid characters (U+FFFE, U+FEFF,
    U+FFFF). The ranges are inclusive UTF-16 offsets into the original text: the
    display range covers all of it, the valid range the prefix within the limit and
    before the first invalid character.
    """

    weighted_length: int
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int


EMPTY_PARSE_RESULT = ParseResult(
    weighted_length=0,
    valid=False,
    permillage=0,
    display_range_start=0,
    display_range_end=-1,
    valid_range_start=0,
    valid_range_end=-1,
)
"""Result for empty text: invalid, with empty (end = start - 1) ranges, as in Ruby/Java."""


def _units(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def parse_post(
    text: str, config: str | Mapping[str, Any] | TextConfig = DEFAULT_CONFIG_VERSION
) -> ParseResult:
    """Compute the weighted length and validity of a post (twitter-text ``parseTweet``)."""
    cfg = resolve_config(config)
    if not text:
        return EMPTY_PARSE_RESULT
    normalized = unicodedata.normalize("NFC", text)

    url_ends = {
        entity["indices"][0]: entity["indices"][1]
        for entity in extract_urls_with_indices(normalized)
    }
    emoji_ends = (
        {match.start(): match.end() for match in VALID_EMOJI.finditer(normalized)}
        if cfg.emoji_parsing_enabled
        else {}
    )
    scaled_max = cfg.max_weighted_tweet_length * cfg.scale
    url_weight = cfg.transformed_url_length * cfg.scale

    weighted = 0
    valid_units = 0
    has_invalid = False
    offset = 0
    while offset < len(normalized):
        if offset in url_ends:
            end = url_ends[offset]
            weighted += url_weight
        elif offset in emoji_ends:
            end = emoji_ends[offset]
            weighted += cfg.default_weight
        else:
            char = normalized[offset]
            end = offset + 1
            weighted += cfg.weight_of(ord(char))
            has_invalid = has_invalid or INVALID_CHARS.match(char) is not None
        if not has_invalid and weighted <= scaled_max:
            valid_units += _units(normalized[offset:end])
        offset = end

    normalization_offset = _units(text) - _units(normalized)
    weighted_length = weighted // cfg.scale
    return ParseResult(
        weighted_length=weighted_length,
        valid=not has_invalid and weighted_length <= cfg.max_weighted_tweet_length,
        permillage=weighted_length * 1000 // cfg.max_weighted_tweet_length,
        display_range_start=0,
        display_range_end=_units(text) - 1,
        valid_range_start=0,
        valid_range_end=valid_units + normalization_offset - 1,
    )
