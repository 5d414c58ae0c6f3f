"""Charts for the transparency pages, drawn on the server as inline SVG.

No JavaScript and no outside service: the page is readable as it arrives. Each chart is
an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` that screen readers announce,
and the pages put the same numbers in a table beside it. Every text is escaped here, so
the markup can be placed in a page as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

ROW = 28  # height of one bar's row
LABEL = 220  # width of the label column
BARS = 320  # width of the longest bar
VALUE = 80  # room for the number after a bar
WIDTH = LABEL + BARS + VALUE
EMPTY = "No data for this period."
# What a share chart tells a screen reader; callers may pass it translated, same variables.
SHARE = "%(part_label)s: %(part)s of %(whole)s (%(pct)s%%); %(rest_label)s: %(rest)s (%(rest_pct)s%%)"
PALETTE = ("#1d5fbf", "#8a99a8")


def _ident(value: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "chart"


def _open(ident: str, title: str, description: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _empty(ident: str, title: str, empty: str) -> str:
    return _open(ident, title, empty, ROW) + f'<text x="0" y="{ROW - 9}" class="chart-empty">{escape(empty)}</text></svg>'


def _label(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(ident: str, title: str, items: Sequence[tuple[str, int]], *, empty: str = EMPTY) -> str:
    """Horizontal bars, one per ``(label, count)``, longest bar for the largest count;
    ``empty`` is said instead when there are none."""
    ident = _ident(ident)
    if not items:
        return _empty(ident, title, empty)
    description = "; ".join(f"{label}: {count}" for label, count in items)
    top = max(count for _, count in items) or 1
    height = ROW * len(items)
    parts = [_open(ident, title, description, height)]
    for i, (label, count) in enumerate(items):
        y = i * ROW
        length = round(BARS * count / top)
        parts.append(
            f'<g><text x="{LABEL - 8}" y="{y + ROW - 9}" text-anchor="end" class="chart-label">'
            f"{escape(_label(label))}</text>"
            f'<rect x="{LABEL}" y="{y + 5}" width="{max(length, 1 if count else 0)}" height="{ROW - 10}" '
            f'fill="{PALETTE[0]}" rx="3"></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + ROW - 9}" class="chart-value">{count}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def share_chart(
    ident: str, title: str, part: int, whole: int, part_label: str, rest_label: str, *, empty: str = EMPTY, summary: str = SHARE
) -> str:
    """One bar split in two: ``part`` of ``whole`` and the rest, with their percentages;
    ``summary`` is the ``%``-format of its description (see ``SHARE``)."""
    ident = _ident(ident)
    if whole <= 0:
        return _empty(ident, title, empty)
    share = part / whole
    pct = round(100 * share)
    description = summary % {
        "part_label": part_label, "part": part, "whole": whole, "pct": pct,
        "rest_label": rest_label, "rest": whole - part, "rest_pct": 100 - pct,
    }  # fmt: skip
    length = round((LABEL + BARS) * share)
    height = ROW * 2
    return (
        _open(ident, title, description, height)
        + f'<rect x="0" y="4" width="{length}" height="{ROW - 8}" fill="{PALETTE[0]}"></rect>'
        + f'<rect x="{length}" y="4" width="{LABEL + BARS - length}" height="{ROW - 8}" fill="{PALETTE[1]}"></rect>'
        + f'<text x="0" y="{2 * ROW - 8}" class="chart-label">'
        + f"{escape(part_label)}: {pct}% · {escape(rest_label)}: {100 - pct}%</text></svg>"
    )
