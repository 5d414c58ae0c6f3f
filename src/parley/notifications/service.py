"""Creating, listing and dismissing notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound
from parley.graph.relations import excluded_authors, load_relations
from parley.jobs.queue import enqueue
from parley.pagination import Page, Paged, apply, collect
from parley.posts.access import Seen, visible_by_ids
from parley.store.tables import Favourite, Follow, FollowRequest, Marker, Notification, Post, utcnow
from parley.visibility import Context

TYPES = (
    "mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
    "update", "quote", "quoted_update", "admin.sign_up", "admin.report", "moderation_warning",
    "severed_relationships",
)


def notify(
    session: Session, recipient_id: int, from_id: int, type_: str, post_id: int | None = None
) -> None:
    """Queue a notification; it is delivered by a job after this transaction commits."""
    if recipient_id == from_id:
        return
    if type_ not in TYPES:
        raise ValueError(f"unknown notification type {type_}")
    enqueue(
        session,
        "notify",
        {"recipient_id": recipient_id, "from_id": from_id, "type": type_, "post_id": post_id},
    )


def deliver(
    session: Session, recipient_id: int, from_id: int, type_: str, post_id: int | None
) -> Notification | None:
    """Record a notification if its cause still holds and the recipient lets it through.

    Nobody is notified of their own acts; a recipient who blocks the sender, or mutes them
    with notifications hidden, gets nothing; an undone cause (an unfavourite, a deleted
    post, a withdrawn follow request) delivers nothing. Delivering twice is harmless.
    """
    if recipient_id == from_id:
        return None
    rel = load_relations(session, recipient_id, [from_id])
    if from_id in rel.blocking or from_id in rel.blocked_by:
        return None
    if from_id in rel.muting_notifications:
        return None
    if not _cause_holds(session, recipient_id, from_id, type_, post_id):
        return None
    duplicate = session.scalar(
        select(Notification.id).where(
            Notification.account_id == recipient_id,
            Notification.from_account_id == from_id,
            Notification.type == type_,
            Notification.post_id == post_id if post_id is not None else Notification.post_id.is_(None),
        )
    )
    if duplicate is not None and type_ not in ("update", "follow", "follow_request"):
        return None
    row = Notification(
        id=ids.new_id(), account_id=recipient_id, from_account_id=from_id, type=type_, post_id=post_id
    )
    session.add(row)
    return row


def _cause_holds(session: Session, recipient_id: int, from_id: int, type_: str, post_id: int | None) -> bool:
    if post_id is not None:
        post = session.get(Post, post_id)
        if post is None or post.deleted_at is not None:
            return False
    if type_ == "favourite":
        return session.scalar(
            select(Favourite.id).where(Favourite.account_id == from_id, Favourite.post_id == post_id)
        ) is not None
    if type_ == "reblog":
        return session.scalar(
            select(Post.id).where(
                Post.account_id == from_id, Post.reblog_of_id == post_id, Post.deleted_at.is_(None)
            )
        ) is not None
    if type_ == "follow":
        return session.scalar(
            select(Follow.id).where(Follow.account_id == from_id, Follow.target_account_id == recipient_id)
        ) is not None
    if type_ == "follow_request":
        return session.scalar(
            select(FollowRequest.id).where(
                FollowRequest.account_id == from_id, FollowRequest.target_account_id == recipient_id
            )
        ) is not None
    return True


@dataclass(frozen=True)
class Filter:
    """Which notifications a list or count covers (``types[]``, ``exclude_types[]``,
    ``account_id``); unknown types simply match nothing, as in Mastodon."""

    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    from_account_id: int | None = None

    def apply(self, stmt: Any) -> Any:
        if self.types:
            stmt = stmt.where(Notification.type.in_(self.types))
        if self.exclude_types:
            stmt = stmt.where(Notification.type.not_in(self.exclude_types))
        if self.from_account_id is not None:
            stmt = stmt.where(Notification.from_account_id == self.from_account_id)
        return stmt


EVERYTHING = Filter()


def get_notification(session: Session, account_id: int, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.account_id != account_id:
        raise NotFound("Record not found")
    return row


def dismiss(session: Session, account_id: int, notification_id: int) -> None:
    session.delete(get_notification(session, account_id, notification_id))


def clear(session: Session, account_id: int) -> None:
    session.execute(delete(Notification).where(Notification.account_id == account_id))


def unread_count(session: Session, account_id: int, *, limit: int = 100, which: Filter = EVERYTHING) -> int:
    """Notifications newer than the ``notifications`` marker, capped at ``limit``; as the
    list, it leaves out those from accounts the person blocks, is blocked by, or mutes
    with their notifications."""
    last_read = session.scalar(
        select(Marker.last_read_id).where(
            Marker.account_id == account_id, Marker.timeline == "notifications"
        )
    ) or 0
    stmt = which.apply(
        select(Notification.id).where(Notification.account_id == account_id, Notification.id > last_read)
    )
    excluded = excluded_authors(session, account_id, notifications=True)
    if excluded:
        stmt = stmt.where(Notification.from_account_id.not_in(excluded))
    sub = stmt.limit(limit).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def retract(session: Session, *, from_id: int, type_: str, post_id: int | None, recipient_id: int | None = None) -> None:
    """Remove a notification whose cause was undone (an unfavourite, a deleted post)."""
    stmt = delete(Notification).where(Notification.from_account_id == from_id, Notification.type == type_)
    stmt = stmt.where(Notification.post_id == post_id) if post_id is not None else stmt
    if recipient_id is not None:
        stmt = stmt.where(Notification.account_id == recipient_id)
    session.execute(stmt)


Shown = tuple[Notification, Seen | None]


def _shown(session: Session, viewer_id: int, notifications: list[Notification], excluded: set[int]) -> list[Shown]:
    """The notifications the viewer may see, with the posts they are about, in order.

    Notifications from accounts the viewer shut out (``excluded``), or about posts the
    viewer may no longer see, are left out.
    """
    kept = [n for n in notifications if n.from_account_id not in excluded]
    post_ids = [n.post_id for n in kept if n.post_id]
    seen = {s.post.id: s for s in visible_by_ids(session, viewer_id, post_ids, Context.NOTIFICATIONS)}
    return [(n, seen.get(n.post_id) if n.post_id else None) for n in kept if n.post_id is None or n.post_id in seen]


def notifications_for(session: Session, viewer_id: int, page: Page, which: Filter = EVERYTHING) -> list[Paged[Shown]]:
    """One page of the viewer's notifications with the posts they are about (see ``_shown``)."""
    excluded = excluded_authors(session, viewer_id, notifications=True)
    mine = which.apply(select(Notification).where(Notification.account_id == viewer_id))

    def fetch(p: Page) -> list[tuple[int, Any]]:
        return [(n.id, n) for n in session.scalars(apply(mine, Notification.id, p))]

    def keep(rows: list[tuple[int, Any]]) -> list[Paged[Shown]]:
        return [Paged(n.id, (n, s)) for n, s in _shown(session, viewer_id, [r[1] for r in rows], excluded)]

    return collect(page, fetch, keep)


def get_notification_for(session: Session, viewer_id: int, notification_id: int) -> Shown:
    """One of the viewer's notifications as ``notifications_for`` would list it, or "not found"."""
    n = get_notification(session, viewer_id, notification_id)
    shown = _shown(session, viewer_id, [n], excluded_authors(session, viewer_id, notifications=True))
    if not shown:
        raise NotFound("Record not found")
    return shown[0]


def markers(session: Session, account_id: int, timelines: list[str]) -> list[Marker]:
    return list(session.scalars(select(Marker).where(Marker.account_id == account_id, Marker.timeline.in_(timelines))))


def save_marker(session: Session, account_id: int, timeline: str, last_read_id: int) -> Marker:
    """Move a reading position (``home`` or ``notifications``); each save bumps its version."""
    if timeline not in ("home", "notifications"):
        raise Invalid("timeline must be home or notifications")
    marker = session.get(Marker, (account_id, timeline))
    if marker is None:
        marker = Marker(account_id=account_id, timeline=timeline, last_read_id=last_read_id, version=0)
        session.add(marker)
    marker.last_read_id = last_read_id
    marker.version = (marker.version or 0) + 1
    marker.updated_at = utcnow()
    return marker
