"""Loading posts for a viewer: facts in batches, verdicts from ``parley.visibility``.

This is the only way a read path gets posts it will show someone (``get_post_for``,
``visible_posts``). A post the viewer may not see is "not found", never "forbidden".

Lists read posts as plain rows (``parley.store.rows``); ``get_post_for`` gives ORM
objects, because the writes that start from it change them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.graph.relations import Relations, relations_from, relations_query
from parley.store.raw import Statement, rows_many
from parley.store.rows import PostRow, post_rows
from parley.store.tables import Account, Mention, Post
from parley.visibility import Context, PostFacts, Verdict, ViewerFacts, decide

PostLike = Post | PostRow
P = TypeVar("P", Post, PostLike)


@dataclass(frozen=True)
class Seen(Generic[P]):
    """A post the viewer may see, the original it reposts (if any), and the verdict."""

    post: P
    original: P | None
    verdict: Verdict

    @property
    def target(self) -> P:
        """The post that interactions act on: the original of a repost."""
        return self.original or self.post


_SUSPENDED = Statement(
    select(Account.id).where(Account.id.in_(bindparam("ids", expanding=True)), Account.suspended_at.is_not(None))
)
_MENTIONED = Statement(
    select(Mention.post_id).where(
        Mention.post_id.in_(bindparam("ids", expanding=True)), Mention.account_id == bindparam("viewer")
    )
)


def _verdict(
    post: PostLike, rel: Relations, mentioned: set[int], suspended: set[int], context: Context
) -> Verdict:
    viewer = ViewerFacts(
        viewer_id=rel.viewer_id,
        follows_author=post.account_id in rel.following,
        mentioned=post.id in mentioned,
        blocks_author=post.account_id in rel.blocking,
        blocked_by_author=post.account_id in rel.blocked_by,
        mutes_author=post.account_id in rel.muting,
    )
    facts = PostFacts(
        author_id=post.account_id,
        visibility=post.visibility,
        deleted=post.deleted_at is not None,
        is_reblog=post.reblog_of_id is not None,
        removed=post.removed_at is not None,
        notice_rule_id=post.notice_rule_id,
        limited=post.limited,
        author_suspended=post.account_id in suspended,
    )
    return decide(facts, viewer, context)


def _judge(
    session: Session,
    viewer_id: int | None,
    posts: Sequence[Any],
    originals: Mapping[int, Any],
    context: Context,
    rel: Relations | None = None,
) -> list[Seen[Any]]:
    """The posts the viewer may see, in order; a repost only if its original is seen too.
    ``rel``: the viewer's relations to the authors, if the caller has loaded them."""
    everyone = list(posts) + list(originals.values())
    authors = {p.account_id for p in everyone}
    # The facts are independent of each other: one round trip on PostgreSQL.
    queries: dict[str, tuple[Statement, dict[str, Any]]] = {"suspended": (_SUSPENDED, {"ids": list(authors)})}
    relations = relations_query(viewer_id, authors) if rel is None else None
    if relations is not None:
        queries["relations"] = relations
    private_ids = [p.id for p in everyone if p.visibility in ("private", "direct")]
    if viewer_id is not None and private_ids:
        queries["mentioned"] = (_MENTIONED, {"ids": private_ids, "viewer": viewer_id})
    found = dict(zip(queries, rows_many(session, list(queries.values())), strict=True))
    suspended = {r[0] for r in found["suspended"]}
    if rel is None:
        rel = relations_from(viewer_id, found.get("relations", []))
    mentioned = {r[0] for r in found.get("mentioned", [])}
    out: list[Seen[Any]] = []
    for post in posts:
        verdict = _verdict(post, rel, mentioned, suspended, context)
        if not verdict.visible:
            continue
        original = None
        if post.reblog_of_id is not None:
            original = originals.get(post.reblog_of_id)
            if original is None:
                continue
            verdict = _verdict(original, rel, mentioned, suspended, context)
            if not verdict.visible:
                continue
        out.append(Seen(post, original, verdict))
    return out


def visible_posts(
    session: Session,
    viewer_id: int | None,
    posts: Sequence[PostLike],
    context: Context,
    rel: Relations | None = None,
) -> list[Seen[PostLike]]:
    """The posts of ``posts`` the viewer may see in ``context``, in the same order.

    A repost is seen only if both it and its original are visible. Costs a fixed number
    of queries whatever the number of posts.
    """
    if not posts:
        return []
    originals = post_rows(session, {p.reblog_of_id for p in posts if p.reblog_of_id is not None})
    if originals:
        rel = None  # the originals' authors are not in it
    return _judge(session, viewer_id, posts, originals, context, rel)


def visible_by_ids(
    session: Session, viewer_id: int | None, ids: Sequence[int], context: Context
) -> list[Seen[PostLike]]:
    """The posts ``ids`` (in that order) that the viewer may see in ``context``."""
    if not ids:
        return []
    found = post_rows(session, ids)
    return visible_posts(session, viewer_id, [found[i] for i in ids if i in found], context)


def get_post_for(
    session: Session, viewer_id: int | None, post_id: int, context: Context = Context.DIRECT_LINK
) -> Seen[Post]:
    """The post ``post_id`` as ``viewer_id`` may see it (ORM objects), or ``NotFound``."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("Record not found")
    originals: dict[int, Post] = {}
    if post.reblog_of_id is not None:
        original = session.get(Post, post.reblog_of_id)
        if original is not None:
            originals[original.id] = original
    seen = _judge(session, viewer_id, [post], originals, context)
    if not seen:
        raise NotFound("Record not found")
    return seen[0]
