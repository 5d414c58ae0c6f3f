from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley import ids
from parley.errors import Invalid
from parley.oauth import scopes
from parley.pagination import Page, Paged, collect


@pytest.mark.parametrize(
    ("granted", "required", "ok"),
    [
        ({"read"}, "read:statuses", True),
        ({"read:statuses"}, "read:statuses", True),
        ({"read:accounts"}, "read:statuses", False),
        ({"read:accounts"}, "read", False),
        ({"write"}, "read:statuses", False),
        ({"follow"}, "write:follows", True),
        ({"follow"}, "write:statuses", False),
        ({"admin:read"}, "admin:read:reports", True),
        ({"read"}, "profile", True),
        ({"write"}, "profile", False),
    ],
)
def test_scope_grants(granted: set[str], required: str, ok: bool) -> None:
    assert scopes.grants(granted, required) is ok


def test_scope_parse_and_unknown() -> None:
    assert scopes.parse("read+write  follow read") == ["read", "write", "follow"]
    assert scopes.unknown(["read", "write:nonsense"]) == ["write:nonsense"]


def test_ids_increase_and_carry_time() -> None:
    made = [ids.new_id() for _ in range(5000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert made[-1] < 2**63
    when = datetime(2020, 5, 29, 12, 0, tzinfo=UTC)
    assert abs((ids.id_time(ids.new_id(when)) - when).total_seconds()) < 0.001
    assert ids.id_floor(when) <= ids.new_id(when)


def test_page_parse_clamps_and_rejects() -> None:
    assert Page.parse(None, None, None, "500").limit == 40
    assert Page.parse(None, None, None, "0").limit == 1
    assert Page.parse("abc", None, None, None).max_id is None
    with pytest.raises(Invalid):
        Page.parse(None, None, None, "many")
    with pytest.raises(Invalid):
        Page.parse(str(2**64), None, None, None)


def test_collect_scans_past_hidden_rows_without_gaps() -> None:
    rows = list(range(100, 0, -1))  # ids, newest first
    hidden = set(range(60, 95))

    def fetch(p: Page) -> list[tuple[int, int]]:
        chosen = [r for r in rows if (p.max_id is None or r < p.max_id) and (p.min_id is None or r > p.min_id)]
        if p.min_id is not None:
            chosen.sort()
        return [(r, r) for r in chosen[: p.limit]]

    def keep(batch: list[tuple[int, int]]) -> list[Paged[int]]:
        return [Paged(c, r) for c, r in batch if r not in hidden]

    first = collect(Page(limit=10), fetch, keep)
    assert [p.item for p in first] == [100, 99, 98, 97, 96, 95, 59, 58, 57, 56]
    second = collect(Page(max_id=first[-1].cursor, limit=10), fetch, keep)
    assert [p.item for p in second] == list(range(55, 45, -1))
    newer = collect(Page(min_id=50, limit=3), fetch, keep)
    assert [p.item for p in newer] == [53, 52, 51]
