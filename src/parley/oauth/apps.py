"""Client applications and access tokens: registration, lookup, creation for scripts."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, Unauthorized
from parley.oauth import scopes as sc
from parley.store.raw import Statement, dt, rows
from parley.store.tables import Account, OAuthApp, OAuthToken, utcnow

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
