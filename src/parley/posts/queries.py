"""Reads about one post: who favourited or reposted it, its quotes, its edit history."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley.pagination import Page, apply
from parley.posts.access import Seen, visible_by_ids
from parley.store.tables import Account, Favourite, Post, PostEdit
from parley.visibility import Context


def favourited_by(session: Session, post_id: int, page: Page) -> list[tuple[int, int]]:
    """(favourite id, account id) pairs, in query order."""
    stmt = select(Favourite.id, Favourite.account_id).where(Favourite.post_id == post_id)
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Favourite.id, page))]


def reblogged_by(session: Session, post_id: int, page: Page) -> list[tuple[int, int]]:
    """(repost id, account id) pairs of public and unlisted reposts, in query order.

    Private reposts are nobody else's business, so they are not listed (or counted).
    """
    stmt = select(Post.id, Post.account_id).where(
        Post.reblog_of_id == post_id,
        Post.deleted_at.is_(None),
        Post.visibility.in_(("public", "unlisted")),
    )
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Post.id, page))]


def quotes_of(session: Session, viewer_id: int | None, post_id: int, page: Page) -> list[Seen]:
    """The posts quoting ``post_id`` that the viewer may see, newest first."""
    stmt = select(Post.id).where(Post.quote_of_id == post_id, Post.deleted_at.is_(None))
    ids = list(session.scalars(apply(stmt, Post.id, page)))
    if page.min_id is not None:
        ids.reverse()
    return visible_by_ids(session, viewer_id, ids, Context.THREAD)


def history(session: Session, post_id: int) -> list[PostEdit]:
    """The versions of a post, oldest first (empty if it was never edited)."""
    return list(session.scalars(select(PostEdit).where(PostEdit.post_id == post_id).order_by(PostEdit.id)))


def instance_counts(session: Session) -> tuple[int, int]:
    """(accounts, published original posts) on this instance."""
    users = session.scalar(select(func.count()).select_from(Account)) or 0
    posts = session.scalar(
        select(func.count()).select_from(Post).where(Post.deleted_at.is_(None), Post.reblog_of_id.is_(None))
    ) or 0
    return int(users), int(posts)
