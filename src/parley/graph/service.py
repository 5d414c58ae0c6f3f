"""Follow, unfollow, block, mute and follow requests. Writes keep counters right."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Forbidden, Invalid, NotFound
from parley.jobs.queue import enqueue
from parley.notifications.service import notify, retract
from parley.pagination import Page, apply
from parley.store.db import rowcount
from parley.store.tables import Account, Block, Follow, FollowRequest, Mute, utcnow

MAX_MUTE_SECONDS = 10 * 366 * 86400


def _counts(session: Session, follower_id: int, target_id: int, delta: int) -> None:
    session.execute(
        update(Account).where(Account.id == follower_id).values(following_count=Account.following_count + delta)
    )
    session.execute(
        update(Account).where(Account.id == target_id).values(followers_count=Account.followers_count + delta)
    )


def _blocks(session: Session, account_id: int, target_id: int) -> bool:
    return session.scalar(
        select(Block.id).where(Block.account_id == account_id, Block.target_account_id == target_id)
    ) is not None


def _blocked_either_way(session: Session, a: int, b: int) -> bool:
    return session.scalar(
        select(Block.id).where(
            ((Block.account_id == a) & (Block.target_account_id == b))
            | ((Block.account_id == b) & (Block.target_account_id == a))
        )
    ) is not None


def follow(
    session: Session,
    follower: Account,
    target: Account,
    *,
    reblogs: bool | None = None,
    notify_posts: bool | None = None,
) -> None:
    """Follow ``target``, or ask to if the account is locked. Repeating updates the options."""
    if follower.id == target.id:
        raise Forbidden("You cannot follow yourself")
    if _blocked_either_way(session, follower.id, target.id):
        raise Forbidden("This action is not allowed")
    existing = session.scalar(
        select(Follow).where(Follow.account_id == follower.id, Follow.target_account_id == target.id)
    )
    if existing is not None:
        if reblogs is not None:
            existing.show_reblogs = reblogs
        if notify_posts is not None:
            existing.notify = notify_posts
        return
    if target.locked:
        request = session.scalar(
            select(FollowRequest).where(
                FollowRequest.account_id == follower.id, FollowRequest.target_account_id == target.id
            )
        )
        if request is None:
            session.add(
                FollowRequest(
                    id=ids.new_id(),
                    account_id=follower.id,
                    target_account_id=target.id,
                    show_reblogs=True if reblogs is None else reblogs,
                    notify=bool(notify_posts),
                )
            )
            notify(session, target.id, follower.id, "follow_request")
        return
    add_follow(session, follower.id, target.id, reblogs=reblogs, notify_posts=notify_posts)
    notify(session, target.id, follower.id, "follow")


def add_follow(
    session: Session,
    follower_id: int,
    target_id: int,
    *,
    reblogs: bool | None = None,
    notify_posts: bool | None = None,
) -> None:
    """Insert the follow edge and bump counters (no checks, no notification)."""
    session.add(
        Follow(
            id=ids.new_id(),
            account_id=follower_id,
            target_account_id=target_id,
            show_reblogs=True if reblogs is None else reblogs,
            notify=bool(notify_posts),
        )
    )
    session.flush()
    _counts(session, follower_id, target_id, +1)
    enqueue(session, "merge", {"account_id": follower_id, "author_id": target_id})


def unfollow(session: Session, follower: Account, target: Account) -> None:
    """Stop following, or withdraw a pending request. Idempotent."""
    removed = rowcount(session.execute(
        delete(Follow).where(Follow.account_id == follower.id, Follow.target_account_id == target.id)
    ))
    if removed:
        _counts(session, follower.id, target.id, -1)
        enqueue(session, "unmerge", {"account_id": follower.id, "author_id": target.id})
    session.execute(
        delete(FollowRequest).where(
            FollowRequest.account_id == follower.id, FollowRequest.target_account_id == target.id
        )
    )
    retract(session, from_id=follower.id, type_="follow_request", post_id=None, recipient_id=target.id)


def _take_request(session: Session, target: Account, requester_id: int) -> FollowRequest:
    """Remove a pending request (and its notification); "not found" if there is none."""
    request = session.scalar(
        select(FollowRequest).where(
            FollowRequest.account_id == requester_id, FollowRequest.target_account_id == target.id
        )
    )
    if request is None:
        raise NotFound("Record not found")
    session.delete(request)
    retract(session, from_id=requester_id, type_="follow_request", post_id=None, recipient_id=target.id)
    return request


def authorize_request(session: Session, target: Account, requester_id: int) -> None:
    request = _take_request(session, target, requester_id)
    add_follow(session, requester_id, target.id, reblogs=request.show_reblogs, notify_posts=request.notify)
    notify(session, target.id, requester_id, "follow")


def reject_request(session: Session, target: Account, requester_id: int) -> None:
    _take_request(session, target, requester_id)


def block(session: Session, account: Account, target: Account) -> None:
    """Block ``target``: follows both ways and pending requests end."""
    if account.id == target.id:
        raise Forbidden("You cannot block yourself")
    if _blocks(session, account.id, target.id):
        return
    session.add(Block(id=ids.new_id(), account_id=account.id, target_account_id=target.id))
    unfollow(session, account, target)
    unfollow(session, target, account)
    enqueue(session, "unmerge", {"account_id": account.id, "author_id": target.id})
    enqueue(session, "unmerge", {"account_id": target.id, "author_id": account.id})


def unblock(session: Session, account: Account, target: Account) -> None:
    session.execute(
        delete(Block).where(Block.account_id == account.id, Block.target_account_id == target.id)
    )


def mute(
    session: Session, account: Account, target: Account, *, notifications: bool = True, duration: int = 0
) -> None:
    """Mute ``target`` (``duration`` seconds, 0 = until unmuted). Repeating updates it."""
    if account.id == target.id:
        raise Forbidden("You cannot mute yourself")
    if duration < 0:
        raise Invalid("duration must not be negative")
    if duration > MAX_MUTE_SECONDS:
        raise Invalid("duration can be at most ten years")
    expires = utcnow() + timedelta(seconds=duration) if duration else None
    row = session.scalar(
        select(Mute).where(Mute.account_id == account.id, Mute.target_account_id == target.id)
    )
    if row is None:
        enqueue(session, "unmerge", {"account_id": account.id, "author_id": target.id})
        session.add(
            Mute(
                id=ids.new_id(),
                account_id=account.id,
                target_account_id=target.id,
                hide_notifications=notifications,
                expires_at=expires,
            )
        )
    else:
        row.hide_notifications = notifications
        row.expires_at = expires


def unmute(session: Session, account: Account, target: Account) -> None:
    removed = rowcount(
        session.execute(delete(Mute).where(Mute.account_id == account.id, Mute.target_account_id == target.id))
    )
    if removed:
        # Posts the mute kept out of the feed come back.
        enqueue(session, "merge", {"account_id": account.id, "author_id": target.id})


# --- lists --------------------------------------------------------------------------------


def followers_page(session: Session, viewer_id: int | None, account_id: int, page: Page) -> list[tuple[int, int]]:
    """(follow id, follower id) pairs, in query order; none for a viewer the account blocks."""
    if viewer_id is not None and _blocks(session, account_id, viewer_id):
        return []
    stmt = select(Follow.id, Follow.account_id).where(Follow.target_account_id == account_id)
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Follow.id, page))]


def following_page(session: Session, viewer_id: int | None, account_id: int, page: Page) -> list[tuple[int, int]]:
    """(follow id, followed id) pairs, in query order; none for a viewer the account blocks."""
    if viewer_id is not None and _blocks(session, account_id, viewer_id):
        return []
    stmt = select(Follow.id, Follow.target_account_id).where(Follow.account_id == account_id)
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Follow.id, page))]


def requests_page(session: Session, account_id: int, page: Page) -> list[tuple[int, int]]:
    stmt = select(FollowRequest.id, FollowRequest.account_id).where(
        FollowRequest.target_account_id == account_id
    )
    return [(r[0], r[1]) for r in session.execute(apply(stmt, FollowRequest.id, page))]


def blocks_page(session: Session, account_id: int, page: Page) -> list[tuple[int, int]]:
    stmt = select(Block.id, Block.target_account_id).where(Block.account_id == account_id)
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Block.id, page))]


def mutes_page(session: Session, account_id: int, page: Page) -> list[tuple[int, int]]:
    """Mutes in force (an expired mute is over, even before anything deletes it)."""
    stmt = select(Mute.id, Mute.target_account_id).where(
        Mute.account_id == account_id, or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())
    )
    return [(r[0], r[1]) for r in session.execute(apply(stmt, Mute.id, page))]
