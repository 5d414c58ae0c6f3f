"""Authlib's OAuth 2 authorization server, wired to Parley's tables.

Authlib is synchronous and framework-neutral; this module gives it a plain request object
(``FormRequest``, built by the HTTP adapter from an already-read body) and returns plain
``(status, body, headers)`` triples. A server is built per call around one session, so no
state is shared between requests.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer as _AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.accounts.service import authenticate
from parley.oauth import scopes as sc
from parley.oauth.apps import OOB, digest, find_app
from parley.store.tables import Account, OAuthApp, OAuthCode, OAuthToken, utcnow

CODE_TTL = timedelta(minutes=10)


@dataclass
class FormRequest:
    """What Authlib needs of an HTTP request, read up front by the adapter."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: list[tuple[str, str]] = field(default_factory=list)
    form: list[tuple[str, str]] = field(default_factory=list)


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {k: v[0] for k, v in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _Request(OAuth2Request):
    def __init__(self, req: FormRequest) -> None:
        # Parley runs behind TLS-terminating proxies and on loopback in development; the
        # transport check of Authlib looks at the URL, so hand it the scheme-neutral path.
        super().__init__(req.method, "https://parley.local" + _path_and_query(req.url), headers=dict(req.headers))
        self._args = dict(req.query)
        self._form = dict(req.form)
        self.payload = _Payload(req.query + req.form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _path_and_query(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


class Client(ClientMixin):
    """Authlib's view of an ``OAuthApp``."""

    def __init__(self, app: OAuthApp) -> None:
        self.app = app
        self.redirect_uris = app.redirect_uris.split("\n")
        self.allowed = sc.parse(app.scopes)

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = sc.parse(scope) or ["read"]  # Mastodon's default scope
        if sc.unknown(requested) or not sc.covered_by(requested, self.allowed):
            raise InvalidScopeError("The requested scope is invalid, unknown, or malformed.")
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(digest(client_secret), self.app.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # Mastodon clients send the secret in the body, in Basic auth, or (public PKCE
        # clients) not at all; the PKCE extension then proves possession of the code.
        return method in ("client_secret_post", "client_secret_basic", "none")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (
            "authorization_code",
            "client_credentials",
            "refresh_token",
            "password",
        )


class _Code:
    def __init__(self, row: OAuthCode) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class _Token:
    def __init__(self, row: OAuthToken, session: Session) -> None:
        self.row = row
        self.session = session

    def check_client(self, client: Client) -> bool:
        return self.row.app_id == client.app.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> Account | None:
        return self.session.get(Account, self.row.account_id) if self.row.account_id else None


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        session: Session = self.server.session
        session.add(
            OAuthCode(
                id=ids.new_id(),
                code_hash=digest(code),
                app_id=request.client.app.id,
                account_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
                scope=request.scope or "",
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
            )
        )
        session.flush()

    def query_authorization_code(self, code: str, client: Client) -> _Code | None:
        session: Session = self.server.session
        row = session.scalar(select(OAuthCode).where(OAuthCode.code_hash == digest(code)))
        if row is None or row.used or row.app_id != client.app.id:
            return None
        if row.created_at + CODE_TTL < utcnow():
            return None
        return _Code(row)

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        authorization_code.row.used = True

    def authenticate_user(self, authorization_code: _Code) -> Account | None:
        return self.server.session.get(Account, authorization_code.row.account_id)


class _PKCE(CodeChallenge):
    def get_authorization_code_challenge(self, authorization_code: _Code) -> str | None:
        return authorization_code.row.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: _Code) -> str | None:
        return authorization_code.row.code_challenge_method


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_user(self, username: str, password: str) -> Account | None:
        return authenticate(self.server.session, username, password)


class _RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> _Token | None:
        session: Session = self.server.session
        row = session.scalar(
            select(OAuthToken).where(OAuthToken.refresh_token_hash == digest(refresh_token))
        )
        if row is None or row.revoked_at is not None:
            return None
        return _Token(row, session)

    def authenticate_user(self, refresh_token: _Token) -> Account | None:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: _Token) -> None:
        refresh_token.row.revoked_at = utcnow()


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Token | None:
        session: Session = self.server.session
        hashed = digest(token_string)
        row = session.scalar(
            select(OAuthToken).where(
                (OAuthToken.access_token_hash == hashed) | (OAuthToken.refresh_token_hash == hashed)
            )
        )
        return _Token(row, session) if row else None

    def revoke_token(self, token: _Token, request: Any) -> None:
        token.row.revoked_at = utcnow()


class Server(_AuthorizationServer):
    """One authorization server around one session."""

    def __init__(self, session: Session, *, password_grant: bool) -> None:
        super().__init__(scopes_supported=sorted(sc.ALL_SCOPES))
        self.session = session
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: secrets.token_urlsafe(32),
                lambda **_: secrets.token_urlsafe(32),
                lambda client, grant_type: 0,  # Mastodon tokens live until revoked
            ),
        )
        # A client that presents no secret must prove the code with PKCE; confidential
        # clients may use either.
        self.register_grant(_AuthorizationCodeGrant, [_PKCE(required=True)])
        self.register_grant(_ClientCredentialsGrant)
        self.register_grant(_RefreshTokenGrant)
        if password_grant:
            self.register_grant(_PasswordGrant)
        self.register_endpoint(_Revocation)

    # -- Authlib's framework hooks -------------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        app = find_app(self.session, client_id)
        return Client(app) if app else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        user: Account | None = request.user
        client: Client = request.client
        row = OAuthToken(
            id=ids.new_id(),
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
            app_id=client.app.id,
            account_id=user.id if user else None,
            scope=token.get("scope", ""),
        )
        self.session.add(row)
        self.session.flush()
        # Mastodon's token response carries the creation time; clients read it.
        token["created_at"] = int(row.created_at.timestamp())

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return _Request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        if isinstance(body, dict):
            body = json.dumps(body)
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


def is_oob(redirect_uri: str | None) -> bool:
    return redirect_uri == OOB
