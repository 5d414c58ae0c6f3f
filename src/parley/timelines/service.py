"""Timeline reads. Each returns one page of posts the viewer may see, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from parley import ids
from parley.feeds.service import big_followed_query, home_ids
from parley.feeds.store import FeedStore
from parley.graph.relations import excluded_authors, exclusions_from, exclusions_query
from parley.pagination import Page, Paged, apply, collect
from parley.posts.access import Seen, visible_by_ids
from parley.settings import Settings
from parley.store.raw import rows_many
from parley.store.tables import (
    Account,
    Bookmark,
    Favourite,
    MediaAttachment,
    Pin,
    Post,
    PostTag,
    Tag,
    utcnow,
)
from parley.visibility import Context


def _page_of_posts(
    session: Session, viewer_id: int | None, base: Select[Any], page: Page, context: Context
) -> list[Paged[Seen]]:
    """A page of the posts whose ids ``base`` selects, as the viewer may see them."""

    def fetch(p: Page) -> list[tuple[int, Any]]:
        return [(post_id, post_id) for post_id in session.scalars(apply(base, Post.id, p))]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Seen]]:
        seen = visible_by_ids(session, viewer_id, [r[1] for r in rows], context)
        return [Paged(s.post.id, s) for s in seen]

    return collect(page, fetch, keep)


def home(session: Session, feeds: FeedStore, settings: Settings, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    """The viewer's home timeline: their feed merged with the big accounts they follow."""
    # Independent: one round trip on PostgreSQL.
    found = rows_many(session, [exclusions_query(viewer_id), big_followed_query(settings, viewer_id)])
    exclusions = exclusions_from(found[0])
    excluded, no_reposts = exclusions.authors, exclusions.no_reposts
    big = [r[0] for r in found[1]]

    def fetch(p: Page) -> list[tuple[int, Any]]:
        return [(post_id, post_id) for post_id in home_ids(session, feeds, settings, viewer_id, p, big=big)]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Seen]]:
        seen = visible_by_ids(session, viewer_id, [r[1] for r in rows], Context.HOME)
        # A repost of someone the viewer blocks or mutes stays out of home.
        return [
            Paged(s.post.id, s)
            for s in seen
            if s.original is None
            or (s.original.account_id not in excluded and s.post.account_id not in no_reposts)
        ]

    return collect(page, fetch, keep)


def _tagged(names: list[str]) -> Any:
    """Ids of posts carrying any of the hashtags ``names`` (case-insensitive)."""
    lowered = [n.lower() for n in names]
    return select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id).where(Tag.name_lower.in_(lowered))


def _broadcast(session: Session, viewer_id: int | None, stmt: Any, page: Page, context: Context) -> list[Paged[Seen]]:
    """Public original posts among those ``stmt`` selects, less the authors the viewer shut out."""
    stmt = stmt.where(Post.visibility == "public", Post.reblog_of_id.is_(None), Post.deleted_at.is_(None))
    excluded = excluded_authors(session, viewer_id)
    if excluded:
        stmt = stmt.where(Post.account_id.not_in(excluded))
    return _page_of_posts(session, viewer_id, stmt, page, context)


_HAS_MEDIA = exists().where(MediaAttachment.post_id == Post.id)


def public(
    session: Session, viewer_id: int | None, page: Page, *, only_media: bool = False
) -> list[Paged[Seen]]:
    """Public original posts of this instance (all posts are local in Parley)."""
    stmt = select(Post.id)
    if only_media:
        stmt = stmt.where(_HAS_MEDIA)
    return _broadcast(session, viewer_id, stmt, page, Context.PUBLIC)


def tag(
    session: Session,
    viewer_id: int | None,
    name: str,
    page: Page,
    *,
    any_tags: list[str] | None = None,
    all_tags: list[str] | None = None,
    none_tags: list[str] | None = None,
) -> list[Paged[Seen]]:
    """Public posts with hashtag ``name`` (and the ``any``/``all``/``none`` refinements)."""
    stmt = select(Post.id).where(Post.id.in_(_tagged([name, *(any_tags or [])])))
    for extra in all_tags or []:
        stmt = stmt.where(Post.id.in_(_tagged([extra])))
    if none_tags:
        stmt = stmt.where(Post.id.not_in(_tagged(none_tags)))
    return _broadcast(session, viewer_id, stmt, page, Context.TAG)


def account_posts(
    session: Session,
    viewer_id: int | None,
    account_id: int,
    page: Page,
    *,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    only_media: bool = False,
    pinned: bool = False,
    tagged: str | None = None,
) -> list[Paged[Seen]]:
    """A profile's posts, as ``GET /api/v1/accounts/:id/statuses`` lists them."""
    stmt = select(Post.id).where(Post.account_id == account_id, Post.deleted_at.is_(None))
    if pinned:
        stmt = stmt.where(Post.id.in_(select(Pin.post_id).where(Pin.account_id == account_id)))
    if exclude_replies:
        # Threads the author continues (self-replies) stay, as in Mastodon.
        stmt = stmt.where(
            or_(Post.in_reply_to_id.is_(None), Post.in_reply_to_account_id == account_id)
        )
    if exclude_reblogs:
        stmt = stmt.where(Post.reblog_of_id.is_(None))
    if only_media:
        stmt = stmt.where(_HAS_MEDIA)
    if tagged:
        stmt = stmt.where(Post.id.in_(_tagged([tagged])))
    return _page_of_posts(session, viewer_id, stmt, page, Context.PROFILE)


def _collection(session: Session, viewer_id: int, model: Any, page: Page) -> list[Paged[Seen]]:
    def fetch(p: Page) -> list[tuple[int, Any]]:
        stmt = select(model.id, model.post_id).where(model.account_id == viewer_id)
        return [(row[0], row[1]) for row in session.execute(apply(stmt, model.id, p))]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Seen]]:
        seen = {s.post.id: s for s in visible_by_ids(session, viewer_id, [r[1] for r in rows], Context.LIST)}
        return [Paged(r[0], seen[r[1]]) for r in rows if r[1] in seen]

    return collect(page, fetch, keep)


def favourites(session: Session, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    return _collection(session, viewer_id, Favourite, page)


def bookmarks(session: Session, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    return _collection(session, viewer_id, Bookmark, page)


@dataclass(frozen=True)
class TagUse:
    """A hashtag and how much it was used lately: by how many posts and people."""

    name: str
    posts: int
    accounts: int


def trending_tags(session: Session, *, days: int = 7, limit: int = 10) -> list[TagUse]:
    """The hashtags used by the most people in the last ``days`` days.

    Counts only posts anyone could be shown in a public timeline: public originals, not
    deleted, and, since a trend amplifies, none that the safety system removed, put
    behind a public-interest notice or took out of reach, and none by a suspended account
    (the rules of ``parley.visibility`` for discovery contexts).
    """
    since = ids.id_floor(utcnow() - timedelta(days=days))
    people = func.count(func.distinct(Post.account_id))
    posts = func.count(func.distinct(Post.id))
    stmt = (
        select(Tag.name, posts, people)
        .join(PostTag, PostTag.tag_id == Tag.id)
        .join(Post, Post.id == PostTag.post_id)
        .join(Account, Account.id == Post.account_id)
        .where(
            Post.id >= since,
            Post.visibility == "public",
            Post.reblog_of_id.is_(None),
            Post.deleted_at.is_(None),
            Post.removed_at.is_(None),
            Post.notice_rule_id.is_(None),
            Post.limited.is_(False),
            Account.suspended_at.is_(None),
        )
        .group_by(Tag.id, Tag.name)
        .order_by(people.desc(), posts.desc(), Tag.name)
        .limit(limit)
    )
    return [TagUse(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]
