"""Regex character-class building blocks derived from the Unicode database.

Python's :mod:`re` has no ``\\p{...}`` property classes, which twitter-text's Ruby and
Java regexes use for hashtags (``\\p{L}\\p{M}``, ``\\p{Nd}``) and URL validation
(``\\p{Pd}``). This module expands such categories into explicit code point ranges
using :mod:`unicodedata`, once, at import time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Planes 0-3 hold every assigned letter, mark and digit; plane 14 holds the tag
# characters and variation-selector marks (Mn). Planes 4-13 are unassigned and
# 15-16 are private use (category Co), so skipping them changes nothing.
_SCANNED_RANGES: tuple[range, ...] = (range(0x0000, 0x40000), range(0xE0000, 0xF0000))


def _class_escape(code_point: int) -> str:
    """Return ``code_point`` written so it is safe inside a regex character class."""
    if code_point < 0x80:
        char = chr(code_point)
        if char.isalnum():
            return char
        return f"\\x{code_point:02x}"
    if code_point <= 0xFFFF:
        return f"\\u{code_point:04x}"
    return f"\\U{code_point:08x}"


def ranges_to_class_body(code_points: Iterable[int]) -> str:
    """Collapse code points into the body of a regex character class (without ``[]``)."""
    parts: list[str] = []
    run_start: int | None = None
    previous = -2
    for cp in sorted(set(code_points)):
        if cp == previous + 1:
            previous = cp
            continue
        if run_start is not None:
            parts.append(_format_run(run_start, previous))
        run_start = previous = cp
    if run_start is not None:
        parts.append(_format_run(run_start, previous))
    return "".join(parts)


def _format_run(start: int, end: int) -> str:
    """Format one contiguous run of code points for a character class."""
    if start == end:
        return _class_escape(start)
    return f"{_class_escape(start)}-{_class_escape(end)}"


def code_points_by_category(**groups: tuple[str, ...]) -> dict[str, list[int]]:
    """Collect code points for several named category groups in a single scan.

    Each keyword names a group and gives general-category prefixes, e.g.
    ``code_points_by_category(letters=("L", "M"), digits=("Nd",))`` returns the
    equivalents of ``\\p{L}\\p{M}`` and ``\\p{Nd}``. Nothing is cached, so the large
    intermediate lists are freed once the regexes are built.
    """
    found: dict[str, list[int]] = {name: [] for name in groups}
    wanted = [(prefixes, found[name]) for name, prefixes in groups.items()]
    routes: dict[str, list[list[int]]] = {}
    category = unicodedata.category
    for scanned in _SCANNED_RANGES:
        for cp in scanned:
            name = category(chr(cp))
            buckets = routes.get(name)
            if buckets is None:
                buckets = routes[name] = [b for prefixes, b in wanted if name.startswith(prefixes)]
            for bucket in buckets:
                bucket.append(cp)
    return found


def literal_class_body(chars: str) -> str:
    """Escape a string of literal characters for use inside a character class."""
    return "".join(_class_escape(ord(c)) for c in chars)


_RUBY_CLASS_ITEM = re.compile(
    r"\\u(?:\{(?P<long>[0-9a-fA-F]+)\}|(?P<short>[0-9a-fA-F]{4}))(?P<range>-)?"
)


def parse_ruby_class(body: str) -> list[int]:
    """Expand a Ruby/Java-style class body such as ``\\u0528-\\u052f\\u{102e0}``.

    Used to transcribe upstream's generated character lists verbatim instead of
    re-typing thousands of escapes by hand.
    """
    points: list[int] = []
    pending_start: int | None = None
    position = 0
    while position < len(body):
        match = _RUBY_CLASS_ITEM.match(body, position)
        if match is None:
            raise ValueError(
                f"unexpected class syntax at {position}: {body[position : position + 12]!r}"
            )
        value = int(match.group("long") or match.group("short"), 16)
        if pending_start is not None:
            points.extend(range(pending_start, value + 1))
            pending_start = None
        elif match.group("range"):
            pending_start = value
        else:
            points.append(value)
        position = match.end()
    if pending_start is not None:
        raise ValueError("dangling range in class body")
    return points
