"""Two feed stores behind one interface: a SQL table, or Redis sorted sets.

Feeds are a cache of post ids; ``parley.feeds.service`` can rebuild any of them from the
posts and the follow graph. Ids are 64-bit; a Redis score (a double) cannot hold one
exactly, so every member has score 0 and is the id zero-padded to 20 digits: the sorted
set then orders them by text, which is numeric order, and ``BYLEX`` ranges are exact. A
sentinel member of all zeros marks a feed as built; a feed without it is rebuilt.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import redis
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from parley.pagination import Page
from parley.store.raw import Statement, rows, rows_many
from parley.store.tables import FeedEntry, FeedState, utcnow


class FeedStore(Protocol):
    def add(self, session: Session, account_ids: Sequence[int], post_id: int) -> None: ...
    def remove(self, session: Session, account_ids: Sequence[int] | None, post_ids: Sequence[int]) -> None: ...
    def page(self, session: Session, account_id: int, page: Page) -> list[int]: ...
    def page_if_built(self, session: Session, account_id: int, page: Page) -> list[int] | None: ...
    def replace(self, session: Session, account_id: int, post_ids: Sequence[int]) -> None: ...
    def built(self, session: Session, account_id: int) -> bool: ...
    def size(self, session: Session, account_id: int) -> int: ...
    def oldest(self, session: Session, account_id: int) -> int | None: ...
    def count_containing(self, session: Session, account_ids: Sequence[int], post_id: int) -> int: ...
    def trim(self, session: Session, account_ids: Iterable[int]) -> None: ...


def _chunks(items: Sequence[int], n: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@functools.cache
def _feed_page(has_max: bool, has_since: bool, has_min: bool) -> Statement:
    """The feed page query for one combination of bounds, built once."""
    stmt = select(FeedEntry.post_id).where(FeedEntry.account_id == bindparam("account"))
    if has_max:
        stmt = stmt.where(FeedEntry.post_id < bindparam("max"))
    if has_since:
        stmt = stmt.where(FeedEntry.post_id > bindparam("since"))
    if has_min:
        stmt = stmt.where(FeedEntry.post_id > bindparam("min")).order_by(FeedEntry.post_id.asc())
    else:
        stmt = stmt.order_by(FeedEntry.post_id.desc())
    return Statement(stmt.limit(bindparam("limit")))


def _page_query(account_id: int, page: Page) -> tuple[Statement, dict[str, Any]]:
    """The statement and parameters of one page of a SQL feed."""
    shape = (page.max_id is not None, page.since_id is not None, page.min_id is not None)
    params = {"account": account_id, "max": page.max_id, "since": page.since_id, "min": page.min_id, "limit": page.limit}
    return _feed_page(*shape), params


_BUILT = Statement(select(FeedState.account_id).where(FeedState.account_id == bindparam("account")))


class SqlFeeds:
    """Feeds in the ``feed_entries`` table, written in the caller's transaction."""

    def __init__(self, size: int) -> None:
        self.capacity = size

    def add(self, session: Session, account_ids: Sequence[int], post_id: int) -> None:
        if not account_ids:
            return
        rows = [{"account_id": a, "post_id": post_id} for a in account_ids]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(pg_insert(FeedEntry).on_conflict_do_nothing(), rows)
        else:
            session.execute(insert(FeedEntry).prefix_with("OR IGNORE"), rows)

    def remove(self, session: Session, account_ids: Sequence[int] | None, post_ids: Sequence[int]) -> None:
        if not post_ids:
            return
        stmt = delete(FeedEntry).where(FeedEntry.post_id.in_(post_ids))
        if account_ids is not None:
            if not account_ids:
                return
            stmt = stmt.where(FeedEntry.account_id.in_(account_ids))
        session.execute(stmt)

    def page(self, session: Session, account_id: int, page: Page) -> list[int]:
        return [r[0] for r in rows(session, *_page_query(account_id, page))]

    def page_if_built(self, session: Session, account_id: int, page: Page) -> list[int] | None:
        """``page``, or None if the feed is not built (both asked in one round trip)."""
        built, found = rows_many(session, [(_BUILT, {"account": account_id}), _page_query(account_id, page)])
        return [r[0] for r in found] if built else None

    def replace(self, session: Session, account_id: int, post_ids: Sequence[int]) -> None:
        session.execute(delete(FeedEntry).where(FeedEntry.account_id == account_id))
        if post_ids:
            session.execute(insert(FeedEntry), [{"account_id": account_id, "post_id": p} for p in post_ids])
        state = session.get(FeedState, account_id)
        if state is None:
            session.add(FeedState(account_id=account_id, built_at=utcnow()))
        else:
            state.built_at = utcnow()

    def built(self, session: Session, account_id: int) -> bool:
        return bool(rows(session, _BUILT, {"account": account_id}))

    def size(self, session: Session, account_id: int) -> int:
        return int(session.scalar(select(func.count()).select_from(FeedEntry).where(FeedEntry.account_id == account_id)) or 0)

    def oldest(self, session: Session, account_id: int) -> int | None:
        return session.scalar(select(func.min(FeedEntry.post_id)).where(FeedEntry.account_id == account_id))

    def count_containing(self, session: Session, account_ids: Sequence[int], post_id: int) -> int:
        total = 0
        for chunk in _chunks(list(account_ids), 5000):
            total += int(
                session.scalar(
                    select(func.count()).select_from(FeedEntry).where(
                        FeedEntry.post_id == post_id, FeedEntry.account_id.in_(chunk)
                    )
                )
                or 0
            )
        return total

    def trim(self, session: Session, account_ids: Iterable[int]) -> None:
        """Keep each feed's newest ``size`` entries."""
        for account_id in account_ids:
            cutoff = session.scalar(
                select(FeedEntry.post_id)
                .where(FeedEntry.account_id == account_id)
                .order_by(FeedEntry.post_id.desc())
                .offset(self.capacity - 1)
                .limit(1)
            )
            if cutoff is not None:
                session.execute(
                    delete(FeedEntry).where(FeedEntry.account_id == account_id, FeedEntry.post_id < cutoff)
                )


SENTINEL = "0" * 20
TRIM_EVERY = 8


def _member(post_id: int) -> str:
    return f"{post_id:020d}"


class RedisFeeds:
    """Feeds as Redis sorted sets, written at once (jobs are idempotent, so a retried
    fan-out writes the same members again)."""

    def __init__(self, client: redis.Redis, prefix: str, size: int) -> None:
        self.r = client
        self.prefix = prefix
        self.capacity = size

    def key(self, account_id: int) -> str:
        return f"{self.prefix}:feed:{account_id}"

    def add(self, session: Session, account_ids: Sequence[int], post_id: int) -> None:
        member = {_member(post_id): 0}
        # Trimming on every write doubled the commands of a fan-out; one post in TRIM_EVERY
        # trims (chosen by id, so a retried job does the same), which bounds a feed to its
        # size plus a few dozen entries.
        trim = post_id % TRIM_EVERY == 0
        for chunk in _chunks(list(account_ids), 1000):
            pipe = self.r.pipeline(transaction=False)
            for account_id in chunk:
                key = self.key(account_id)
                pipe.zadd(key, member)
                if trim:
                    # Rank 0 is the sentinel (the smallest member); keep it and the newest.
                    pipe.zremrangebyrank(key, 1, -(self.capacity + 2))
            pipe.execute()

    def remove(self, session: Session, account_ids: Sequence[int] | None, post_ids: Sequence[int]) -> None:
        if not post_ids or not account_ids:
            return
        members = [_member(p) for p in post_ids]
        for chunk in _chunks(list(account_ids), 1000):
            pipe = self.r.pipeline(transaction=False)
            for account_id in chunk:
                pipe.zrem(self.key(account_id), *members)
            pipe.execute()

    def page(self, session: Session, account_id: int, page: Page) -> list[int]:
        return [int(m) for m in self._range(self.r, account_id, page)]

    def page_if_built(self, session: Session, account_id: int, page: Page) -> list[int] | None:
        """``page``, or None if the feed is not built (both asked in one round trip)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.zscore(self.key(account_id), SENTINEL)
        self._range(pipe, account_id, page)
        built, found = pipe.execute()
        return [int(m) for m in found] if built is not None else None

    def _range(self, r: redis.Redis | Any, account_id: int, page: Page) -> Any:
        """ZRANGEBYLEX or ZREVRANGEBYLEX of one page, on a client or queued on a pipeline."""
        key = self.key(account_id)
        high = f"({_member(page.max_id)}" if page.max_id is not None else "+"
        lows = [p for p in (page.since_id, page.min_id) if p is not None]
        low = f"({_member(max(lows))}" if lows else f"({SENTINEL}"
        if page.min_id is not None:
            return r.zrangebylex(key, low, high, start=0, num=page.limit)
        return r.zrevrangebylex(key, high, low, start=0, num=page.limit)

    def replace(self, session: Session, account_id: int, post_ids: Sequence[int]) -> None:
        key = self.key(account_id)
        pipe = self.r.pipeline(transaction=True)
        pipe.delete(key)
        pipe.zadd(key, {SENTINEL: 0, **{_member(p): 0 for p in post_ids[: self.capacity]}})
        pipe.execute()

    def built(self, session: Session, account_id: int) -> bool:
        return self.r.zscore(self.key(account_id), SENTINEL) is not None

    def size(self, session: Session, account_id: int) -> int:
        return max(0, int(self.r.zcard(self.key(account_id))) - 1)

    def oldest(self, session: Session, account_id: int) -> int | None:
        found = self.r.zrangebylex(self.key(account_id), f"({SENTINEL}", "+", start=0, num=1)
        return int(found[0]) if found else None

    def count_containing(self, session: Session, account_ids: Sequence[int], post_id: int) -> int:
        member = _member(post_id)
        total = 0
        for chunk in _chunks(list(account_ids), 1000):
            pipe = self.r.pipeline(transaction=False)
            for account_id in chunk:
                pipe.zscore(self.key(account_id), member)
            total += sum(1 for score in pipe.execute() if score is not None)
        return total

    def trim(self, session: Session, account_ids: Iterable[int]) -> None:
        pipe = self.r.pipeline(transaction=False)
        for account_id in account_ids:
            pipe.zremrangebyrank(self.key(account_id), 1, -(self.capacity + 2))
        pipe.execute()
