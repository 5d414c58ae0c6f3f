"""Mastodon's id-based pagination (``max_id``, ``since_id``, ``min_id``, ``limit``).

``max_id`` pages back from newest to oldest; ``since_id`` returns the newest items above
it; ``min_id`` returns the items just above it (oldest first in the query, newest first
in the answer). Every list returns ``Paged`` items that carry the cursor id the ``Link``
header is built from, which is the row the list is ordered by (a follow, a favourite, a
notification), not necessarily the id of the thing shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from parley.errors import Invalid

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(
        cls,
        max_id: str | None,
        since_id: str | None,
        min_id: str | None,
        limit: str | int | None,
        *,
        default: int = DEFAULT_LIMIT,
        maximum: int = MAX_LIMIT,
    ) -> Page:
        """Read the query parameters; out-of-range limits are clamped as Mastodon does."""
        n = default
        if limit not in (None, ""):
            try:
                n = int(limit)
            except ValueError as exc:
                raise Invalid("limit must be a number") from exc
        n = max(1, min(n, maximum))
        return cls(_id(max_id, "max_id"), _id(since_id, "since_id"), _id(min_id, "min_id"), n)


def _id(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except ValueError:
        # Mastodon treats an id it cannot read as absent; clients send odd values.
        return None
    if n < 0 or n >= 2**63:
        raise Invalid(f"{name} is out of range")
    return n


@dataclass(frozen=True)
class Paged(Generic[T]):
    cursor: int
    item: T


def apply(stmt: Any, column: Any, page: Page, *, fetch: int | None = None) -> Any:
    """Order and bound ``stmt`` by ``column`` for ``page``."""
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    if page.min_id is not None:
        stmt = stmt.where(column > page.min_id).order_by(column.asc())
    else:
        stmt = stmt.order_by(column.desc())
    return stmt.limit(fetch or page.limit)


def newest_first(rows: list[T], page: Page) -> list[T]:
    """Rows of ``apply``'s query in the answer's order: a ``min_id`` page is queried
    oldest first and answered newest first."""
    return rows[::-1] if page.min_id is not None else rows


def collect(
    page: Page,
    fetch: Callable[[Page], list[tuple[int, Any]]],
    keep: Callable[[list[tuple[int, Any]]], list[Paged[T]]],
    *,
    rounds: int = 5,
) -> list[Paged[T]]:
    """Fill a page when ``keep`` (the visibility filter) drops rows, without gaps.

    ``fetch`` returns ``(cursor, row)`` in query order for a page; ``keep`` turns the rows
    it may show into items. Scanning continues past dropped rows for a few rounds.
    """
    out: list[Paged[T]] = []
    current = page
    for _ in range(rounds):
        rows = fetch(current)
        out.extend(keep(rows))
        if len(out) >= page.limit or len(rows) < current.limit:
            break
        last = rows[-1][0]
        if page.min_id is not None:
            current = Page(page.max_id, page.since_id, last, current.limit)
        else:
            current = Page(last, page.since_id, None, current.limit)
    return newest_first(out[: page.limit], page)
