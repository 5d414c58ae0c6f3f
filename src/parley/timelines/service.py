"""Timeline reads. Each returns one page of posts the viewer may see, newest first.

The home timeline is computed at read time from the follow graph here; the feed design of
DESIGN.md replaces ``home`` behind the same signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, exists, false, or_, select
from sqlalchemy.orm import Session

from parley.graph.relations import excluded_authors, followed_ids
from parley.pagination import Page, Paged, apply, collect
from parley.posts.access import Seen, visible_posts
from parley.store.tables import Bookmark, Favourite, Follow, Mention, Pin, Post, PostTag, Tag
from parley.visibility import Context


def _page_of_posts(
    session: Session,
    viewer_id: int | None,
    base: Select[Any],
    page: Page,
    context: Context,
    keep_extra: Callable[[Seen], bool] | None = None,
) -> list[Paged[Seen]]:
    def fetch(p: Page) -> list[tuple[int, Any]]:
        return [(post.id, post) for post in session.scalars(apply(base, Post.id, p))]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Seen]]:
        seen = visible_posts(session, viewer_id, [r[1] for r in rows], context)
        return [Paged(s.post.id, s) for s in seen if keep_extra is None or keep_extra(s)]

    return collect(page, fetch, keep)


def home(session: Session, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    """Posts and reposts by the accounts the viewer follows, and the viewer's own."""
    following = followed_ids(session, viewer_id)
    authors = set(following) | {viewer_id}
    hidden_reblogs = set(
        session.scalars(
            select(Follow.target_account_id).where(
                Follow.account_id == viewer_id, Follow.show_reblogs.is_(False)
            )
        )
    )
    excluded = excluded_authors(session, viewer_id)
    stmt = select(Post).where(Post.account_id.in_(authors), Post.deleted_at.is_(None))
    # Replies show when they answer the viewer or someone the viewer follows, as in Mastodon.
    stmt = stmt.where(
        or_(
            Post.in_reply_to_account_id.is_(None),
            Post.in_reply_to_account_id.in_(authors),
        )
    )
    # Direct posts only reach home for the people they mention (and the author).
    stmt = stmt.where(
        or_(
            Post.visibility != "direct",
            Post.account_id == viewer_id,
            exists().where(Mention.post_id == Post.id, Mention.account_id == viewer_id),
        )
    )
    if hidden_reblogs:
        stmt = stmt.where(or_(Post.reblog_of_id.is_(None), Post.account_id.not_in(hidden_reblogs)))

    def keep(seen: Seen) -> bool:
        # A repost of someone the viewer blocks or mutes stays out of home.
        return seen.original is None or seen.original.account_id not in excluded

    return _page_of_posts(session, viewer_id, stmt, page, Context.HOME, keep)


def public(
    session: Session, viewer_id: int | None, page: Page, *, only_media: bool = False
) -> list[Paged[Seen]]:
    """Public original posts of this instance (all posts are local in Parley)."""
    stmt = select(Post).where(
        Post.visibility == "public", Post.reblog_of_id.is_(None), Post.deleted_at.is_(None)
    )
    excluded = excluded_authors(session, viewer_id)
    if excluded:
        stmt = stmt.where(Post.account_id.not_in(excluded))
    return _page_of_posts(session, viewer_id, stmt, page, Context.PUBLIC)


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
    wanted = [name.lower()] + [t.lower() for t in (any_tags or [])]
    tagged = (
        select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id).where(Tag.name_lower.in_(wanted))
    )
    stmt = select(Post).where(
        Post.id.in_(tagged),
        Post.visibility == "public",
        Post.reblog_of_id.is_(None),
        Post.deleted_at.is_(None),
    )
    for extra in all_tags or []:
        stmt = stmt.where(
            Post.id.in_(
                select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id).where(Tag.name_lower == extra.lower())
            )
        )
    if none_tags:
        stmt = stmt.where(
            Post.id.not_in(
                select(PostTag.post_id)
                .join(Tag, Tag.id == PostTag.tag_id)
                .where(Tag.name_lower.in_([t.lower() for t in none_tags]))
            )
        )
    excluded = excluded_authors(session, viewer_id)
    if excluded:
        stmt = stmt.where(Post.account_id.not_in(excluded))
    return _page_of_posts(session, viewer_id, stmt, page, Context.TAG)


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
    stmt = select(Post).where(Post.account_id == account_id, Post.deleted_at.is_(None))
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
        # Media attachments arrive with the media issue; until then no post has any.
        stmt = stmt.where(false())
    if tagged:
        stmt = stmt.where(
            Post.id.in_(
                select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id).where(Tag.name_lower == tagged.lower())
            )
        )
    return _page_of_posts(session, viewer_id, stmt, page, Context.PROFILE)


def _collection(session: Session, viewer_id: int, model: Any, page: Page) -> list[Paged[Seen]]:
    def fetch(p: Page) -> list[tuple[int, Any]]:
        stmt = select(model.id, model.post_id).where(model.account_id == viewer_id)
        return [(row[0], row[1]) for row in session.execute(apply(stmt, model.id, p))]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Seen]]:
        posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_([r[1] for r in rows])))}
        ordered = [posts[r[1]] for r in rows if r[1] in posts]
        seen = {s.post.id: s for s in visible_posts(session, viewer_id, ordered, Context.LIST)}
        return [Paged(r[0], seen[r[1]]) for r in rows if r[1] in seen]

    return collect(page, fetch, keep)


def favourites(session: Session, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    return _collection(session, viewer_id, Favourite, page)


def bookmarks(session: Session, viewer_id: int, page: Page) -> list[Paged[Seen]]:
    return _collection(session, viewer_id, Bookmark, page)
