"""Batch reads of the viewer's relations to many accounts at once (fixed query count)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Boolean, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import Session

from parley.store.raw import Statement, rows
from parley.store.tables import Block, Follow, FollowRequest, Mute, utcnow


@dataclass
class Relations:
    """The viewer's edges to and from a set of accounts."""

    viewer_id: int | None
    following: set[int] = field(default_factory=set)
    followed_by: set[int] = field(default_factory=set)
    requested: set[int] = field(default_factory=set)
    requested_by: set[int] = field(default_factory=set)
    blocking: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)
    muting: set[int] = field(default_factory=set)
    muting_notifications: set[int] = field(default_factory=set)
    showing_reblogs: set[int] = field(default_factory=set)
    notifying: set[int] = field(default_factory=set)

    def add(self, other: Relations) -> None:
        """Take in ``other``'s edges (the same viewer's, to other accounts)."""
        for f in fields(self):
            if f.name != "viewer_id":
                getattr(self, f.name).update(getattr(other, f.name))


def relations_statement(among: Callable[[Any], Any]) -> Any:
    """Every edge between a viewer (``:viewer``) and some accounts, in force at ``:now``;
    ``among(column)`` is the condition that ``column`` holds one of those accounts.

    One branch per direction of each edge, each a plain conjunction, so each is an index
    lookup (an OR of the two directions let PostgreSQL scan all of a viewer's edges)."""
    viewer: Any = bindparam("viewer")
    no = literal(False, Boolean)
    follow = (literal("f"), Follow.account_id, Follow.target_account_id, Follow.show_reblogs, Follow.notify)
    request = (literal("r"), FollowRequest.account_id, FollowRequest.target_account_id, no, no)
    block = (literal("b"), Block.account_id, Block.target_account_id, no, no)
    branches: list[Any] = []
    for columns, edge in ((follow, Follow), (request, FollowRequest), (block, Block)):
        branches.append(select(*columns).where(edge.account_id == viewer, among(edge.target_account_id)))
        branches.append(select(*columns).where(edge.target_account_id == viewer, among(edge.account_id)))
    branches.append(
        select(literal("m"), Mute.account_id, Mute.target_account_id, Mute.hide_notifications, no).where(
            Mute.account_id == viewer,
            among(Mute.target_account_id),
            or_(Mute.expires_at.is_(None), Mute.expires_at > bindparam("now")),
        )
    )
    return union_all(*branches)


# Built once: composing this statement per call cost more than running it.
_IDS: Any = bindparam("ids", expanding=True)
_RELATIONS = Statement(relations_statement(lambda column: column.in_(_IDS)))


def relations_query(viewer_id: int | None, account_ids: Iterable[int]) -> tuple[Statement, dict[str, Any]] | None:
    """The statement and parameters of ``load_relations`` (None: nothing to ask), for
    callers that batch it with other statements (``parley.store.raw.rows_many``)."""
    ids = set(account_ids)
    if viewer_id is None or not ids:
        return None
    return _RELATIONS, {"viewer": viewer_id, "ids": list(ids), "now": utcnow()}


def relations_from(viewer_id: int | None, found: Iterable[Any]) -> Relations:
    """Relations from the rows of ``relations_query``."""
    rel = Relations(viewer_id)
    for kind, src, dst, flag, notify in found:
        if kind == "f":
            if src == viewer_id:
                rel.following.add(dst)
                if flag:
                    rel.showing_reblogs.add(dst)
                if notify:
                    rel.notifying.add(dst)
            if dst == viewer_id:
                rel.followed_by.add(src)
        elif kind == "r":
            if src == viewer_id:
                rel.requested.add(dst)
            if dst == viewer_id:
                rel.requested_by.add(src)
        elif kind == "b":
            if src == viewer_id:
                rel.blocking.add(dst)
            if dst == viewer_id:
                rel.blocked_by.add(src)
        else:
            rel.muting.add(dst)
            if flag:
                rel.muting_notifications.add(dst)
    return rel


def load_relations(session: Session, viewer_id: int | None, account_ids: Iterable[int]) -> Relations:
    """All edges between the viewer and ``account_ids``, in one query."""
    query = relations_query(viewer_id, account_ids)
    if query is None:
        return Relations(viewer_id)
    return relations_from(viewer_id, rows(session, *query))


@dataclass(frozen=True)
class Excluded:
    """Whose posts a viewer's lists leave out: ``authors`` (blocked either way or muted),
    and ``no_reposts`` (followed accounts whose reposts the viewer hides)."""

    authors: set[int]
    no_reposts: set[int]


# Everyone the viewer shut out, and whose reposts they hide, built once: blocks either
# way ("b"), mutes in force ("m", with whether they hide notifications), hidden reposts ("r").
_EXCLUSIONS = Statement(union_all(
    select(literal("b"), Block.target_account_id, literal(False, Boolean)).where(
        Block.account_id == bindparam("viewer")
    ),
    select(literal("b"), Block.account_id, literal(False, Boolean)).where(
        Block.target_account_id == bindparam("viewer")
    ),
    select(literal("m"), Mute.target_account_id, Mute.hide_notifications).where(
        Mute.account_id == bindparam("viewer"), or_(Mute.expires_at.is_(None), Mute.expires_at > bindparam("now"))
    ),
    select(literal("r"), Follow.target_account_id, literal(False, Boolean)).where(
        Follow.account_id == bindparam("viewer"), Follow.show_reblogs.is_(False)
    ),
))


def exclusions_query(viewer_id: int) -> tuple[Statement, dict[str, Any]]:
    """The statement and parameters of ``excluded_authors``, for callers that batch it
    with other statements (``parley.store.raw.rows_many``)."""
    return _EXCLUSIONS, {"viewer": viewer_id, "now": utcnow()}


def exclusions_from(found: Iterable[Any], *, notifications: bool = False) -> Excluded:
    """Exclusions from the rows of ``exclusions_query``. For notifications only the mutes
    that hide notifications count."""
    out = Excluded(set(), set())
    for kind, account_id, hides_notifications in found:
        if kind == "r":
            out.no_reposts.add(account_id)
        elif kind == "b" or hides_notifications or not notifications:
            out.authors.add(account_id)
    return out


def excluded_authors(session: Session, viewer_id: int | None, *, notifications: bool = False) -> set[int]:
    """Accounts whose posts never reach the viewer's lists, in one query: blocked either
    way, or muted (for notifications, only mutes that hide notifications count)."""
    if viewer_id is None:
        return set()
    return exclusions_from(rows(session, *exclusions_query(viewer_id)), notifications=notifications).authors
