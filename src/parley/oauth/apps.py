"""Client applications and access tokens: registration, lookup, creation for scripts."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound, Unauthorized
from parley.oauth import scopes as sc
from parley.store.db import rowcount
from parley.store.raw import Statement, dt, rows
from parley.store.tables import Account, OAuthApp, OAuthCode, OAuthToken, utcnow

OOB = "urn:ietf:wg:oauth:2.0:oob"


def digest(secret: str) -> str:
    """Tokens, codes and client secrets are stored only as their SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewApp:
    app: OAuthApp
    client_secret: str


def check_redirect_uris(raw: str | list[str]) -> list[str]:
    uris = raw if isinstance(raw, list) else raw.split()
    uris = [u.strip() for u in uris if u.strip()]
    if not uris:
        raise Invalid("Validation failed: Redirect URI can't be blank")
    for uri in uris:
        if uri == OOB:
            continue
        if ":" not in uri or uri.startswith(("javascript:", "data:")) or len(uri) > 2000:
            raise Invalid(f"Validation failed: Redirect URI must be an absolute URI: {uri[:100]}")
    return uris


def register_app(
    session: Session,
    *,
    name: str,
    redirect_uris: str | list[str],
    scopes: str | None,
    website: str | None = None,
    owner: Account | None = None,
) -> NewApp:
    """Register a client application (``POST /api/v1/apps``)."""
    name = (name or "").strip()
    if not name:
        raise Invalid("Validation failed: Application name can't be blank")
    if len(name) > 200:
        raise Invalid("Validation failed: Application name is too long (maximum is 200 characters)")
    uris = check_redirect_uris(redirect_uris)
    requested = sc.parse(scopes) or ["read"]
    bad = sc.unknown(requested)
    if bad:
        raise Invalid(f"Validation failed: Scopes are invalid: {' '.join(bad)}")
    secret = secrets.token_urlsafe(32)
    app = OAuthApp(
        id=ids.new_id(),
        client_id=secrets.token_urlsafe(32),
        client_secret_hash=digest(secret),
        name=name,
        website=website or None,
        redirect_uris="\n".join(uris),
        scopes=" ".join(requested),
        owner_id=owner.id if owner else None,
    )
    session.add(app)
    session.flush()
    return NewApp(app, secret)


def find_app(session: Session, client_id: str | None) -> OAuthApp | None:
    if not client_id:
        return None
    return session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


@dataclass(frozen=True)
class Credentials:
    """Who is calling: the account id (None for an app-only token), the app, the scopes,
    and when the account last read its home feed."""

    account_id: int | None
    app_id: int | None
    scopes: frozenset[str]
    token_id: int
    last_active_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        return sc.grants(self.scopes, scope)


# The token and what a request needs of its account, in one query on the driver (every
# authenticated request runs it; see parley.store.raw).
_TOKEN = Statement(
    select(
        OAuthToken.id,
        OAuthToken.app_id,
        OAuthToken.scope,
        OAuthToken.revoked_at,
        OAuthToken.expires_at,
        Account.id,
        Account.last_active_at,
    )
    .outerjoin(Account, Account.id == OAuthToken.account_id)
    .where(OAuthToken.access_token_hash == bindparam("hash"))
)


@functools.lru_cache(maxsize=256)
def _scopes(scope: str) -> frozenset[str]:
    return frozenset(sc.parse(scope))


def authenticate_token(session: Session, token: str) -> Credentials:
    """The credentials of a bearer token, or ``Unauthorized``."""
    found = rows(session, _TOKEN, {"hash": digest(token)})
    if not found:
        raise Unauthorized("The access token is invalid")
    token_id, app_id, scope, revoked_at, expires_at, account_id, last_active_at = found[0]
    if revoked_at is not None:
        raise Unauthorized("The access token is invalid")
    expires = dt(expires_at)
    if expires is not None and expires <= utcnow():
        raise Unauthorized("The access token expired")
    return Credentials(account_id, app_id, _scopes(scope or ""), token_id, dt(last_active_at))


def issue_token(
    session: Session,
    *,
    account: Account | None,
    app: OAuthApp | None,
    scope: str,
    access_token: str | None = None,
    refresh_token: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a token (hashed) and return its plain value."""
    access_token = access_token or secrets.token_urlsafe(32)
    session.add(
        OAuthToken(
            id=ids.new_id(),
            access_token_hash=digest(access_token),
            refresh_token_hash=digest(refresh_token) if refresh_token else None,
            app_id=app.id if app else None,
            account_id=account.id if account else None,
            scope=scope,
            expires_at=expires_at,
        )
    )
    session.flush()
    return access_token


def create_personal_token(session: Session, account: Account, scope: str) -> str:
    """A token for scripts (``parley token create``), tied to a per-account CLI app."""
    requested = sc.parse(scope) or ["read"]
    bad = sc.unknown(requested)
    if bad:
        raise Invalid(f"Unknown scopes: {' '.join(bad)}")
    return issue_token(session, account=account, app=None, scope=" ".join(requested))


# --- what a person authorised -------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizedApp:
    """An application holding live tokens of one account (``app`` None: personal tokens
    made with ``parley token create``), with the scopes they grant together."""

    app: OAuthApp | None
    scopes: list[str]
    authorized_at: datetime
    last_used_at: datetime | None
    tokens: int


def _live(account_id: int) -> tuple[Any, ...]:
    """The conditions of the account's tokens in force: not revoked, not expired."""
    return (
        OAuthToken.account_id == account_id,
        OAuthToken.revoked_at.is_(None),
        or_(OAuthToken.expires_at.is_(None), OAuthToken.expires_at > utcnow()),
    )


def authorized_apps(session: Session, account_id: int) -> list[AuthorizedApp]:
    """The applications that may act for the account now, most recently authorised first."""
    tokens = list(session.scalars(select(OAuthToken).where(*_live(account_id)).order_by(OAuthToken.id)))
    app_ids = {t.app_id for t in tokens if t.app_id is not None}
    apps = {a.id: a for a in session.scalars(select(OAuthApp).where(OAuthApp.id.in_(app_ids)))} if app_ids else {}
    grouped: dict[int | None, list[OAuthToken]] = {}
    for token in tokens:
        grouped.setdefault(token.app_id, []).append(token)
    out = []
    for app_id, group in grouped.items():
        scopes = sorted({s for t in group for s in sc.parse(t.scope or "")})
        used = [t.last_used_at for t in group if t.last_used_at is not None]
        out.append(
            AuthorizedApp(
                app=apps.get(app_id) if app_id is not None else None,
                scopes=scopes,
                authorized_at=group[0].created_at,
                last_used_at=max(used) if used else None,
                tokens=len(group),
            )
        )
    return sorted(out, key=lambda a: a.authorized_at, reverse=True)


def revoke_app(session: Session, account_id: int, app_id: int | None) -> int:
    """Revoke every live token the account gave ``app_id`` (None: its personal tokens),
    and the codes not yet exchanged for one; the number of tokens revoked. An application
    holding none is "not found"."""
    of_app = OAuthToken.app_id == app_id if app_id is not None else OAuthToken.app_id.is_(None)
    revoked = rowcount(
        session.execute(
            update(OAuthToken)
            .where(*_live(account_id), of_app)
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if app_id is not None:
        # A code handed out before the revocation must not mint a new token after it.
        session.execute(
            update(OAuthCode)
            .where(OAuthCode.account_id == account_id, OAuthCode.app_id == app_id, OAuthCode.used.is_(False))
            .values(used=True)
        )
    if not revoked:
        raise NotFound("Record not found")
    return revoked
