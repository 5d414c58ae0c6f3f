"""Browser sign-in sessions: a random key in a cookie, its hash in the database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import NotFound
from parley.oauth.apps import digest
from parley.store.db import rowcount
from parley.store.tables import Account, WebSession, utcnow

SESSION_TTL = timedelta(days=30)


# The web UI's session cookie (also read where files are served to moderators).
SESSION_COOKIE = "parley_session"


def start_session(session: Session, account: Account) -> str:
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=ids.new_id(), key_hash=digest(key), account_id=account.id, expires_at=utcnow() + SESSION_TTL
        )
    )
    return key


def account_for_session(session: Session, key: str | None) -> Account | None:
    if not key:
        return None
    row = session.scalar(select(WebSession).where(WebSession.key_hash == digest(key)))
    if row is None or row.expires_at <= utcnow():
        return None
    return session.get(Account, row.account_id)


def end_session(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(WebSession).where(WebSession.key_hash == digest(key)))


@dataclass(frozen=True)
class SessionInfo:
    """One of a person's signed-in browsers; ``current`` is the one asking."""

    id: int
    created_at: datetime
    expires_at: datetime
    current: bool


def list_sessions(session: Session, account_id: int, current_key: str | None) -> list[SessionInfo]:
    """The account's sessions still in force, newest first."""
    current = digest(current_key) if current_key else None
    found = session.scalars(
        select(WebSession)
        .where(WebSession.account_id == account_id, WebSession.expires_at > utcnow())
        .order_by(WebSession.id.desc())
    )
    return [SessionInfo(w.id, w.created_at, w.expires_at, w.key_hash == current) for w in found]


def end_session_by_id(session: Session, account_id: int, session_id: int) -> None:
    """Sign out one of the account's browsers; another person's session is "not found"."""
    removed = rowcount(
        session.execute(delete(WebSession).where(WebSession.id == session_id, WebSession.account_id == account_id))
    )
    if not removed:
        raise NotFound("Record not found")


def end_other_sessions(session: Session, account_id: int, current_key: str | None) -> int:
    """Sign out every browser of the account except the one holding ``current_key``;
    the number signed out."""
    stmt = delete(WebSession).where(WebSession.account_id == account_id)
    if current_key:
        stmt = stmt.where(WebSession.key_hash != digest(current_key))
    return rowcount(session.execute(stmt))
