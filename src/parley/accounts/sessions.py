"""Browser sign-in sessions: a random key in a cookie, its hash in the database."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parley import ids
from parley.oauth.apps import digest
from parley.store.tables import Account, WebSession, utcnow

SESSION_TTL = timedelta(days=30)


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
