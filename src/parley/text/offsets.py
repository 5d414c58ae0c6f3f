"""Conversions between code point offsets and UTF-16 code unit offsets.

:mod:`parley.text` reports entity ``indices`` in code points (Python string indices,
as in twitter-text's Ruby port and the Twitter API). JavaScript clients and the Java
port count UTF-16 code units instead, where every character outside the Basic
Multilingual Plane takes two units. These helpers translate between the two.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

_EntityT = TypeVar("_EntityT", bound=Mapping[str, Any])


def utf16_length(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def utf16_offset(text: str, codepoint_offset: int) -> int:
    """Convert a code point offset into ``text`` to a UTF-16 code unit offset."""
    if not 0 <= codepoint_offset <= len(text):
        raise ValueError(f"offset {codepoint_offset} outside text of length {len(text)}")
    return utf16_length(text[:codepoint_offset])


def codepoint_offset(text: str, utf16_offset_value: int) -> int:
    """Convert a UTF-16 code unit offset into ``text`` to a code point offset.

    An offset that falls between the two halves of a surrogate pair is rounded up to
    the next code point.
    """
    if utf16_offset_value < 0:
        raise ValueError(f"negative offset {utf16_offset_value}")
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_offset_value:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    if units >= utf16_offset_value:
        return len(text)
    raise ValueError(f"offset {utf16_offset_value} beyond UTF-16 length {units}")


def entities_to_utf16(text: str, entities: Iterable[_EntityT]) -> list[_EntityT]:
    """Return copies of ``entities`` whose ``indices`` are UTF-16 code unit offsets."""
    converted: list[_EntityT] = []
    for entity in entities:
        start, end = entity["indices"]
        copied = copy.copy(entity)
        copied["indices"] = [utf16_offset(text, start), utf16_offset(text, end)]  # type: ignore[index]
        converted.append(copied)
    return converted


def entities_from_utf16(text: str, entities: Iterable[_EntityT]) -> list[_EntityT]:
    """Return copies of ``entities`` whose UTF-16 ``indices`` became code point offsets."""
    converted: list[_EntityT] = []
    for entity in entities:
        start, end = entity["indices"]
        copied = copy.copy(entity)
        copied["indices"] = [codepoint_offset(text, start), codepoint_offset(text, end)]  # type: ignore[index]
        converted.append(copied)
    return converted
