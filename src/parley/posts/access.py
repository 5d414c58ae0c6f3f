"""Loading posts for a viewer: facts in batches, verdicts from ``parley.visibility``.

This is the only way a read path gets posts it will show someone (``get_post_for``,
``visible_posts``). A post the viewer may not see is "not found", never "forbidden".

Lists read posts as plain rows (``parley.store.rows``); ``get_post_for`` gives ORM
objects, because the writes that start from it change them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.graph.relations import Relations, relations_from, relations_query, relations_statement
from parley.store.raw import InSelect, Statement, pipelined, rows_many
from parley.store.rows import (
    ACCOUNT_COLUMNS,
    ACCOUNTS_BY_ID,
    POSTS_BY_ID,
    AccountRow,
    PostRow,
    post_rows,
)
from parley.store.tables import Account, Bookmark, Favourite, Mention, Pin, Post, utcnow
from parley.visibility import Context, PostFacts, Verdict, ViewerFacts, decide

PostLike = Post | PostRow
P = TypeVar("P", Post, PostLike)


@dataclass
class Flags:
    """The viewer's marks on the posts ``covered``: which they favourited, reposted,
    bookmarked or pinned, and which mention them."""

    covered: set[int] = field(default_factory=set)
    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    mentioned: set[int] = field(default_factory=set)

    def add(self, other: Flags) -> None:
        for f in fields(self):
            getattr(self, f.name).update(getattr(other, f.name))


@dataclass
class Facts:
    """What posts are judged and shown with, for one viewer, read together: the posts,
    their authors, the viewer's relations to the authors and the viewer's flags on the
    posts. A snapshot: whoever changes what it describes reads it again."""

    viewer_id: int | None
    posts: dict[int, Any] = field(default_factory=dict)
    authors: dict[int, AccountRow] = field(default_factory=dict)
    rel: Relations = field(default_factory=lambda: Relations(None))
    flags: Flags = field(default_factory=Flags)

    def add(self, other: Facts) -> None:
        """Take in ``other``'s facts (for the same viewer)."""
        self.posts.update(other.posts)
        self.authors.update(other.authors)
        self.rel.add(other.rel)
        self.flags.add(other.flags)


@dataclass(frozen=True)
class Seen(Generic[P]):
    """A post the viewer may see, the original it reposts (if any), and the verdict;
    ``facts``: what it was judged with, for the serialiser to reuse (None: read afresh)."""

    post: P
    original: P | None
    verdict: Verdict
    facts: Facts | None = None

    @property
    def target(self) -> P:
        """The post that interactions act on: the original of a repost."""
        return self.original or self.post


_IDS: Any = bindparam("ids", expanding=True)
_VIEWER: Any = bindparam("viewer")
# Authors and relations are asked by post ids, so they travel with the posts themselves:
# one round trip on PostgreSQL for a page, whatever its size.
_AUTHOR_IDS = select(Post.account_id).where(Post.id.in_(_IDS))
_AUTHORS = Statement(select(*ACCOUNT_COLUMNS).where(InSelect(Account.id, _AUTHOR_IDS)))
_RELATIONS_TO_AUTHORS = Statement(relations_statement(lambda column: InSelect(column, _AUTHOR_IDS)))
FLAGS = Statement(
    union_all(
        select(literal("f"), Favourite.post_id).where(Favourite.account_id == _VIEWER, Favourite.post_id.in_(_IDS)),
        select(literal("r"), Post.reblog_of_id).where(
            Post.account_id == _VIEWER, Post.reblog_of_id.in_(_IDS), Post.deleted_at.is_(None)
        ),
        select(literal("b"), Bookmark.post_id).where(Bookmark.account_id == _VIEWER, Bookmark.post_id.in_(_IDS)),
        select(literal("p"), Pin.post_id).where(Pin.account_id == _VIEWER, Pin.post_id.in_(_IDS)),
        select(literal("m"), Mention.post_id).where(Mention.account_id == _VIEWER, Mention.post_id.in_(_IDS)),
    )
)


def flags_from(covered: Iterable[int], found: Iterable[Any]) -> Flags:
    """Flags from the rows of ``FLAGS`` asked for the posts ``covered``."""
    out = Flags(set(covered))
    sets = {"f": out.favourited, "r": out.reblogged, "b": out.bookmarked, "p": out.pinned, "m": out.mentioned}
    for kind, post_id in found:
        sets[kind].add(post_id)
    return out


def load_facts(
    session: Session, viewer_id: int | None, ids: Collection[int], known: Mapping[int, PostLike] | None = None
) -> Facts:
    """The facts of the posts ``ids`` and of the originals they repost: one round trip on
    PostgreSQL, two when there are reposts. ``known``: the posts themselves, if the
    caller has them (then they are not read again)."""
    wanted = list(set(ids))
    facts = Facts(viewer_id, rel=Relations(viewer_id))
    if not wanted:
        return facts
    if known is None and not pipelined(session):
        # No round trip to save: the posts first, then the rest by their authors' ids
        # (cheaper statements than the subqueries).
        known = post_rows(session, wanted)
    if known is not None and not known:
        return facts  # none of them exists
    queries: list[tuple[Statement, dict[str, Any]]] = []
    if known is None:
        queries.append((POSTS_BY_ID, {"ids": wanted}))
        queries.append((_AUTHORS, {"ids": wanted}))
        if viewer_id is not None:
            queries.append((_RELATIONS_TO_AUTHORS, {"viewer": viewer_id, "ids": wanted, "now": utcnow()}))
    else:
        authors = {p.account_id for p in known.values()}
        queries.append((ACCOUNTS_BY_ID, {"ids": list(authors)}))
        relations = relations_query(viewer_id, authors)
        if relations is not None:  # None exactly when there is no viewer (known is not empty)
            queries.append(relations)
    if viewer_id is not None:
        queries.append((FLAGS, {"viewer": viewer_id, "ids": wanted}))
    found = iter(rows_many(session, queries))
    facts.posts = {r[0]: PostRow.of(r) for r in next(found)} if known is None else dict(known)
    facts.authors = {r[0]: AccountRow.of(r) for r in next(found)}
    if viewer_id is not None:
        facts.rel = relations_from(viewer_id, next(found))
        facts.flags = flags_from(wanted, next(found))
    originals = {p.reblog_of_id for p in facts.posts.values() if p.reblog_of_id is not None} - facts.posts.keys()
    if originals:
        facts.add(load_facts(session, viewer_id, originals))
    return facts


def _verdict(post: PostLike, facts: Facts, context: Context) -> Verdict:
    rel = facts.rel
    author = facts.authors.get(post.account_id)
    viewer = ViewerFacts(
        viewer_id=facts.viewer_id,
        follows_author=post.account_id in rel.following,
        mentioned=post.id in facts.flags.mentioned,
        blocks_author=post.account_id in rel.blocking,
        blocked_by_author=post.account_id in rel.blocked_by,
        mutes_author=post.account_id in rel.muting,
    )
    post_facts = PostFacts(
        author_id=post.account_id,
        visibility=post.visibility,
        deleted=post.deleted_at is not None,
        is_reblog=post.reblog_of_id is not None,
        removed=post.removed_at is not None,
        notice_rule_id=post.notice_rule_id,
        limited=post.limited,
        author_suspended=author is None or author.suspended_at is not None,
    )
    return decide(post_facts, viewer, context)


def judge(facts: Facts, posts: Sequence[Any], context: Context) -> list[Seen[Any]]:
    """The posts of ``posts`` the viewer may see in ``context``, in order, by ``facts``
    (which must cover them): a repost only if its original is seen too."""
    out: list[Seen[Any]] = []
    for post in posts:
        verdict = _verdict(post, facts, context)
        if not verdict.visible:
            continue
        original = None
        if post.reblog_of_id is not None:
            original = facts.posts.get(post.reblog_of_id)
            if original is None:
                continue
            verdict = _verdict(original, facts, context)
            if not verdict.visible:
                continue
        out.append(Seen(post, original, verdict, facts))
    return out


def visible_posts(
    session: Session, viewer_id: int | None, posts: Sequence[PostLike], context: Context
) -> list[Seen[PostLike]]:
    """The posts of ``posts`` the viewer may see in ``context``, in the same order.

    A repost is seen only if both it and its original are visible. Costs a fixed number
    of queries whatever the number of posts.
    """
    if not posts:
        return []
    facts = load_facts(session, viewer_id, [p.id for p in posts], known={p.id: p for p in posts})
    return judge(facts, posts, context)


def visible_by_ids(
    session: Session, viewer_id: int | None, ids: Sequence[int], context: Context
) -> list[Seen[PostLike]]:
    """The posts ``ids`` (in that order) that the viewer may see in ``context``."""
    if not ids:
        return []
    facts = load_facts(session, viewer_id, ids)
    return judge(facts, [facts.posts[i] for i in ids if i in facts.posts], context)


def get_post_for(
    session: Session, viewer_id: int | None, post_id: int, context: Context = Context.DIRECT_LINK
) -> Seen[Post]:
    """The post ``post_id`` as ``viewer_id`` may see it (ORM objects), or ``NotFound``."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("Record not found")
    known: dict[int, Post] = {post.id: post}
    if post.reblog_of_id is not None:
        original = session.get(Post, post.reblog_of_id)
        if original is not None:
            known[original.id] = original
    seen = judge(load_facts(session, viewer_id, known, known=known), [post], context)
    if not seen:
        raise NotFound("Record not found")
    # Without its facts: callers change the post (favourite, pin...) before showing it.
    return Seen(seen[0].post, seen[0].original, seen[0].verdict)
