"""Fan-out on write, rebuilds, and the home timeline read that merges a feed with the
recent posts of the big accounts (too many followers to fan out) the reader follows.

Which posts belong in a home feed is decided in one place, ``_home_posts``: posts and
reposts by followed accounts and by the reader; replies only when they answer the reader
or someone the reader follows; direct posts only for the people they mention; reposts
hidden for follows that asked so. Visibility (blocks, mutes, audiences) is still checked
at read time by ``parley.visibility``.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import bindparam, exists, literal_column, or_, select, union_all, update
from sqlalchemy.orm import Session

from parley.errors import Conflict
from parley.feeds.store import FeedStore
from parley.pagination import Page
from parley.settings import Settings
from parley.store.db import Database
from parley.store.raw import Statement, rows
from parley.store.tables import Account, Block, Follow, Mention, Mute, Post, utcnow

ACTIVITY_GRANULARITY = timedelta(hours=1)


def _home_posts(
    viewer_id: Any,
    authors: Sequence[int] | Any,
    *,
    followed: Any,
    hidden_reblogs: Any,
) -> Any:
    """The SELECT of post ids by ``authors`` that may enter ``viewer_id``'s home."""
    stmt = select(Post.id).where(Post.account_id.in_(authors), Post.deleted_at.is_(None))
    stmt = stmt.where(
        or_(
            Post.account_id == viewer_id,  # all of one's own posts, as fan-out delivers them
            Post.in_reply_to_account_id.is_(None),
            Post.in_reply_to_account_id == viewer_id,
            Post.in_reply_to_account_id.in_(followed),
            Post.in_reply_to_account_id == Post.account_id,
        )
    )
    stmt = stmt.where(
        or_(
            Post.visibility != "direct",
            Post.account_id == viewer_id,
            exists().where(Mention.post_id == Post.id, Mention.account_id == viewer_id),
        )
    )
    stmt = stmt.where(or_(Post.reblog_of_id.is_(None), Post.account_id.not_in(hidden_reblogs)))
    return stmt


def _followed(viewer_id: int) -> Any:
    return select(Follow.target_account_id).where(Follow.account_id == viewer_id)


def _hidden_reblogs(viewer_id: int) -> Any:
    return select(Follow.target_account_id).where(Follow.account_id == viewer_id, Follow.show_reblogs.is_(False))


@functools.cache
def _big_followed(max_followers: int) -> Statement:
    """Which big accounts (more than ``max_followers`` followers) the viewer follows.

    The few big accounts come first (by the followers-count index), then whether the
    viewer follows each: cheaper than walking the viewer's ~200 follows. The limit is
    written into the statement (one per setting), so the plan PostgreSQL keeps for it
    knows how few accounts pass: with a parameter there, its generic plan walked the
    viewer's follows (0.5 ms against 0.17 ms).
    """
    big = select(Account.id).where(Account.followers_count > literal_column(str(int(max_followers))))
    return Statement(select(Follow.target_account_id).where(Follow.account_id == bindparam("viewer"), Follow.target_account_id.in_(big)))


def big_followed_query(settings: Settings, viewer_id: int) -> tuple[Statement, dict[str, Any]]:
    """The accounts the viewer follows that are too big to fan out (merged at read time):
    a statement and its parameters, for ``parley.store.raw.rows_many``."""
    return _big_followed(settings.fanout_max_followers), {"viewer": viewer_id}


def rebuild(session: Session, feeds: FeedStore, settings: Settings, viewer_id: int) -> list[int]:
    """Recompute a feed from the posts and the follow graph (big accounts left to reads)."""
    authors = list(
        session.scalars(
            select(Follow.target_account_id)
            .join(Account, Account.id == Follow.target_account_id)
            .where(Follow.account_id == viewer_id, Account.followers_count <= settings.fanout_max_followers)
        )
    )
    # One indexed query per author (account_id, id), newest first, then the newest of all:
    # a single query over every followed author made PostgreSQL walk the posts table
    # backwards (12 s for a 1,000-post history); this costs a few ms per author.
    stmt = (
        _home_posts(
            viewer_id,
            [bindparam("author")],
            followed=_followed(viewer_id),
            hidden_reblogs=_hidden_reblogs(viewer_id),
        )
        .where(Post.id > bindparam("floor"))
        .order_by(Post.id.desc())
        .limit(settings.feed_size)
    )
    # A min-heap of the newest ids so far; once it is full, each author is only asked
    # for posts newer than its smallest, so prolific authors cost little.
    newest: list[int] = []
    for author_id in [viewer_id, *authors]:
        floor = newest[0] if len(newest) >= settings.feed_size else 0
        for post_id in session.scalars(stmt, {"author": author_id, "floor": floor}):
            if len(newest) < settings.feed_size:
                heapq.heappush(newest, post_id)
            elif post_id > newest[0]:
                heapq.heapreplace(newest, post_id)
    post_ids = sorted(newest, reverse=True)
    feeds.replace(session, viewer_id, post_ids)
    return post_ids


Freshness = Literal["fresh", "touch", "rebuild"]


class FeedNotBuilt(Exception):
    """The reader's feed is missing (never built, or the cache lost it): rebuild, read again."""


# A home read refreshes (notes activity, or rebuilds a missing feed) and reads again at
# most this many times; if the feed keeps disappearing, the reader is told so rather than
# looping.
FEED_REFRESHES = 3

T = TypeVar("T")


@dataclass(frozen=True)
class Refresh:
    """What a read asks for before it can answer: note the reader's activity, or rebuild."""

    account_id: int
    rebuild: bool


def fresh_or_refresh(
    settings: Settings, account_id: int, last: datetime | None, work: Callable[[], T], *, check: bool = True
) -> T | Refresh:
    """``work()`` (a read that may use the reader's home feed), or the ``Refresh`` it needs
    first: when the reader was away (``check``) or the feed turned out to be missing."""
    if check:
        state = freshness(settings, last)
        if state != "fresh":
            return Refresh(account_id, rebuild=state == "rebuild")
    try:
        return work()
    except FeedNotBuilt:
        return Refresh(account_id, rebuild=True)


def read_refreshing(db: Database, feeds: FeedStore, settings: Settings, attempt: Callable[[bool], T | Refresh]) -> T:
    """Run ``attempt(check)`` (one read transaction); while it asks for a ``Refresh``, do it
    in a write transaction of its own and read again in a fresh one that sees it."""
    result = attempt(True)
    for _ in range(FEED_REFRESHES):
        if not isinstance(result, Refresh):
            return result
        with db.unit() as uow:
            refresh(uow.session, feeds, settings, result.account_id, rebuild_feed=result.rebuild)
        result = attempt(False)
    if isinstance(result, Refresh):
        raise Conflict("Your home timeline could not be read just now; please try again")
    return result


def freshness(settings: Settings, last: datetime | None) -> Freshness:
    """Whether a home read may use the feed as it is, should note activity, or rebuild
    (``last``: when the account last read its home). A missing feed shows on the read
    itself (``FeedNotBuilt``), which asks the store in the same round trip as the page."""
    now = utcnow()
    if last is None or last < now - timedelta(days=settings.feed_inactive_days):
        return "rebuild"  # fan-out skipped this account: its feed missed posts
    if last < now - ACTIVITY_GRANULARITY:
        return "touch"
    return "fresh"


def refresh(session: Session, feeds: FeedStore, settings: Settings, account_id: int, *, rebuild_feed: bool) -> None:
    """Note that the account is reading again; rebuild its feed if asked, else trim it.

    This runs at most once an hour per reader, which bounds the SQL feeds of everyone who
    reads (fan-out skips those who do not); Redis feeds are also trimmed as they are written.
    """
    if rebuild_feed:
        rebuild(session, feeds, settings, account_id)
    else:
        feeds.trim(session, [account_id])
    session.execute(update(Account).where(Account.id == account_id).values(last_active_at=utcnow()))


def home_ids(
    session: Session, feeds: FeedStore, settings: Settings, viewer_id: int, page: Page, *, big: list[int] | None = None
) -> list[int]:
    """One page of home post ids: the feed merged with the recent posts of ``big``, the
    big accounts the viewer follows (``big_followed_query``; asked here if not given).

    Both sources are asked for the same bounds and limit, so the merged top of the two is
    exact whatever the page. In query order: newest first, or oldest first for ``min_id``.
    Raises ``FeedNotBuilt`` if the viewer's feed is missing.
    """
    found = feeds.page_if_built(session, viewer_id, page)
    if found is None:
        raise FeedNotBuilt()
    from_feed = found
    if big is None:
        big = [r[0] for r in rows(session, *big_followed_query(settings, viewer_id))]
    if not big:
        return from_feed
    floor = None
    if len(from_feed) < page.limit and feeds.size(session, viewer_id) >= settings.feed_size:
        # The page ran past the end of a full feed: older history is not kept, so the
        # big accounts' posts stop where the feed does (no half-filled pages beyond).
        floor = feeds.oldest(session, viewer_id)
    ascending = page.min_id is not None
    stmt = _big_posts(len(big), page.max_id is not None, page.since_id is not None, ascending, floor is not None)
    params: dict[str, Any] = {
        "viewer": viewer_id,
        "max": page.max_id,
        "since": page.since_id,
        "min": page.min_id,
        "floor": floor,
        "limit": page.limit,
    }
    params.update((f"author_{i}", author) for i, author in enumerate(big))
    from_big = [r[0] for r in rows(session, stmt, params)]
    merged = sorted(set(from_feed) | set(from_big), reverse=not ascending)
    return merged[: page.limit]


@functools.lru_cache(maxsize=256)
def _big_posts(authors: int, has_max: bool, has_since: bool, has_min: bool, has_floor: bool) -> Statement:
    """The big accounts' side of a home page, for a number of authors and one combination
    of bounds, built once: the newest posts of each author (an index range of its own,
    ``(account_id, id)``), then the newest of those.

    One query over all the authors (``account_id IN (...) ORDER BY id DESC LIMIT n``) was
    run by PostgreSQL, once prepared, with a generic plan that walked the posts' primary
    key backwards until it had found n posts by them: 1 ms with 10,000 posts, and without
    bound for an account that has not posted in a long time.
    """
    viewer: Any = bindparam("viewer")
    followed, hidden_reblogs = _followed(viewer), _hidden_reblogs(viewer)
    newest_first = not has_min
    branches = []
    for i in range(authors):
        stmt = _home_posts(viewer, [bindparam(f"author_{i}")], followed=followed, hidden_reblogs=hidden_reblogs)
        if has_max:
            stmt = stmt.where(Post.id < bindparam("max"))
        if has_since:
            stmt = stmt.where(Post.id > bindparam("since"))
        if has_floor:
            stmt = stmt.where(Post.id >= bindparam("floor"))
        if has_min:
            stmt = stmt.where(Post.id > bindparam("min"))
        stmt = stmt.order_by(Post.id.desc() if newest_first else Post.id.asc()).limit(bindparam("limit"))
        branches.append(select(stmt.subquery().c.id))
    merged = union_all(*branches).subquery() if authors > 1 else branches[0].subquery()
    order = merged.c.id.desc() if newest_first else merged.c.id.asc()
    return Statement(select(merged.c.id).order_by(order).limit(bindparam("limit")))


# --- fan-out ------------------------------------------------------------------------------


def _muters(target_id: int, now: datetime) -> Any:
    """Who mutes ``target_id`` at ``now`` (a mute that ran out is over, even before
    anything deletes it)."""
    in_force = or_(Mute.expires_at.is_(None), Mute.expires_at > now)
    return select(Mute.account_id).where(Mute.target_account_id == target_id, in_force)


def recipients(session: Session, settings: Settings, post: Post) -> list[int]:
    """The home feeds a new post goes to (empty for big authors, who are merged at read)."""
    author = session.get(Account, post.account_id)
    if author is None:
        return []
    own = [author.id]
    if author.followers_count > settings.fanout_max_followers:
        return own
    now = utcnow()
    active_since = now - timedelta(days=settings.feed_inactive_days)
    stmt = (
        select(Follow.account_id)
        .join(Account, Account.id == Follow.account_id)
        .where(Follow.target_account_id == author.id, Account.last_active_at >= active_since)
    )
    # Followers who block or mute the author get nothing from them.
    stmt = stmt.where(
        Follow.account_id.not_in(select(Block.account_id).where(Block.target_account_id == author.id)),
        Follow.account_id.not_in(_muters(author.id, now)),
    )
    if post.reblog_of_id is not None:
        stmt = stmt.where(Follow.show_reblogs.is_(True))
        original = session.get(Post, post.reblog_of_id)
        if original is not None:
            stmt = stmt.where(
                Follow.account_id.not_in(select(Block.account_id).where(Block.target_account_id == original.account_id)),
                Follow.account_id.not_in(_muters(original.account_id, now)),
                Follow.account_id.not_in(select(Block.target_account_id).where(Block.account_id == original.account_id)),
            )
    if post.in_reply_to_account_id is not None and post.in_reply_to_account_id != author.id:
        # A reply reaches those who follow the person it answers too, and that person.
        answered = post.in_reply_to_account_id
        stmt = stmt.where(
            or_(
                Follow.account_id == answered,
                Follow.account_id.in_(select(Follow.account_id).where(Follow.target_account_id == answered)),
            )
        )
    if post.visibility == "direct":
        stmt = stmt.where(Follow.account_id.in_(select(Mention.account_id).where(Mention.post_id == post.id)))
    return own + list(session.scalars(stmt))


def fan_out(session: Session, feeds: FeedStore, settings: Settings, post_id: int) -> int:
    """Push a post into its recipients' feeds; returns the number of deliveries."""
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        return 0
    targets = recipients(session, settings, post)
    batch = max(1, settings.fanout_batch)
    for i in range(0, len(targets), batch):
        feeds.add(session, targets[i : i + batch], post.id)
    return len(targets)


def withdraw(session: Session, feeds: FeedStore, post_id: int) -> None:
    """Take a post and the reposts of it out of every feed that may hold them."""
    reposts = list(session.scalars(select(Post.id).where(Post.reblog_of_id == post_id)))
    post_ids = [post_id, *reposts]
    authors = set(session.scalars(select(Post.account_id).where(Post.id.in_(post_ids))))
    holders = set(authors)
    holders.update(session.scalars(select(Follow.account_id).where(Follow.target_account_id.in_(authors))))
    feeds.remove(session, sorted(holders), post_ids)


def unmerge(session: Session, feeds: FeedStore, settings: Settings, account_id: int, author_id: int) -> None:
    """Take an author's posts out of a feed (after an unfollow, block or mute)."""
    floor = feeds.oldest(session, account_id)
    if floor is None:
        return
    post_ids = list(
        session.scalars(
            select(Post.id).where(Post.account_id == author_id, Post.id >= floor).order_by(Post.id.desc()).limit(settings.feed_size)
        )
    )
    feeds.remove(session, [account_id], post_ids)


def merge(session: Session, feeds: FeedStore, settings: Settings, account_id: int, author_id: int) -> None:
    """Bring a followed author's recent posts into a built feed (after a follow or an
    unmute; the job may run after an unfollow, so the follow is checked again)."""
    if not feeds.built(session, account_id):
        return  # it will be built in full on the next read
    if session.scalar(
        select(Follow.id).where(Follow.account_id == account_id, Follow.target_account_id == author_id)
    ) is None:
        return  # only followed authors' posts belong in a feed (one unmutes strangers too)
    author = session.get(Account, author_id)
    if author is None or author.followers_count > settings.fanout_max_followers:
        return
    stmt = _home_posts(
        account_id, [author_id], followed=_followed(account_id), hidden_reblogs=_hidden_reblogs(account_id)
    )
    floor = feeds.oldest(session, account_id) if feeds.size(session, account_id) >= settings.feed_size else None
    if floor is not None:
        stmt = stmt.where(Post.id > floor)
    for post_id in session.scalars(stmt.order_by(Post.id.desc()).limit(settings.feed_size)):
        feeds.add(session, [account_id], post_id)
