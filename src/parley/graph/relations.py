"""Batch reads of the viewer's relations to many accounts at once (fixed query count)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

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


def load_relations(session: Session, viewer_id: int | None, account_ids: Iterable[int]) -> Relations:
    """All edges between the viewer and ``account_ids``, in four queries."""
    rel = Relations(viewer_id)
    ids = set(account_ids)
    if viewer_id is None or not ids:
        return rel
    for src, dst, show_reblogs, notify in session.execute(
        select(Follow.account_id, Follow.target_account_id, Follow.show_reblogs, Follow.notify).where(
            or_(
                (Follow.account_id == viewer_id) & Follow.target_account_id.in_(ids),
                (Follow.target_account_id == viewer_id) & Follow.account_id.in_(ids),
            )
        )
    ):
        if src == viewer_id:
            rel.following.add(dst)
            if show_reblogs:
                rel.showing_reblogs.add(dst)
            if notify:
                rel.notifying.add(dst)
        if dst == viewer_id:
            rel.followed_by.add(src)
    for src, dst in session.execute(
        select(FollowRequest.account_id, FollowRequest.target_account_id).where(
            or_(
                (FollowRequest.account_id == viewer_id) & FollowRequest.target_account_id.in_(ids),
                (FollowRequest.target_account_id == viewer_id) & FollowRequest.account_id.in_(ids),
            )
        )
    ):
        if src == viewer_id:
            rel.requested.add(dst)
        if dst == viewer_id:
            rel.requested_by.add(src)
    for src, dst in session.execute(
        select(Block.account_id, Block.target_account_id).where(
            or_(
                (Block.account_id == viewer_id) & Block.target_account_id.in_(ids),
                (Block.target_account_id == viewer_id) & Block.account_id.in_(ids),
            )
        )
    ):
        if src == viewer_id:
            rel.blocking.add(dst)
        if dst == viewer_id:
            rel.blocked_by.add(src)
    now = utcnow()
    for dst, hide, expires in session.execute(
        select(Mute.target_account_id, Mute.hide_notifications, Mute.expires_at).where(
            Mute.account_id == viewer_id, Mute.target_account_id.in_(ids)
        )
    ):
        if expires is not None and expires <= now:
            continue
        rel.muting.add(dst)
        if hide:
            rel.muting_notifications.add(dst)
    return rel


def excluded_authors(session: Session, viewer_id: int | None, *, notifications: bool = False) -> set[int]:
    """Accounts whose posts never reach the viewer's lists: blocked either way, or muted
    (for notifications, only mutes that hide notifications count)."""
    if viewer_id is None:
        return set()
    out: set[int] = set()
    out.update(session.scalars(select(Block.target_account_id).where(Block.account_id == viewer_id)))
    out.update(session.scalars(select(Block.account_id).where(Block.target_account_id == viewer_id)))
    now = utcnow()
    out.update(
        session.scalars(
            select(Mute.target_account_id).where(
                Mute.account_id == viewer_id,
                or_(Mute.expires_at.is_(None), Mute.expires_at > now),
                Mute.hide_notifications.is_(True) if notifications else true(),
            )
        )
    )
    return out


def followed_ids(session: Session, account_id: int) -> list[int]:
    return list(session.scalars(select(Follow.target_account_id).where(Follow.account_id == account_id)))
