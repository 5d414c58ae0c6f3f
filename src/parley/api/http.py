"""Shared plumbing of the HTTP adapters: parameters, authentication, the unit of work,
rate limits, JSON responses and error mapping.

A route is ``async``: it reads the body, then hops once into a worker thread where one
transaction authenticates the caller, calls the domain, and serialises the answer.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from parley.accounts.service import get_account
from parley.api.mastodon.entities import Serializer
from parley.errors import Forbidden, Invalid, NotFound, ParleyError, RateLimited, Unauthorized
from parley.feeds.service import Refresh, fresh_or_refresh, read_refreshing
from parley.oauth.apps import Credentials, authenticate_token
from parley.pagination import Page, Paged, newest_first
from parley.posts.render import Renderer
from parley.services import Services
from parley.store.db import UnitOfWork
from parley.store.tables import Account

log = logging.getLogger("parley.api")

_FALSE = {"false", "0", "f", "off", "no", ""}


class Params:
    """Request parameters from the query string and the body (form, multipart or JSON)."""

    def __init__(
        self,
        pairs: builtins.list[tuple[builtins.str, Any]],
        json_body: dict[str, Any] | None = None,
        files: builtins.list[tuple[builtins.str, bytes]] | None = None,
    ) -> None:
        self._pairs = pairs
        self._json = json_body or {}
        self._files = files or []

    def file(self, name: builtins.str) -> bytes | None:
        """The content of the uploaded file ``name`` (multipart), or None if none was sent."""
        for key, content in reversed(self._files):
            if key == name:
                return content
        return None

    def raw(self, name: builtins.str) -> Any:
        if name in self._json:
            return self._json[name]  # a JSON null reads as absent
        for key, value in reversed(self._pairs):
            if key == name:
                return value
        return None

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, dict)):
            raise Invalid(f"{name} must be a single value")
        return str(value)

    def required(self, name: builtins.str) -> builtins.str:
        value = self.str(name)
        if value is None:
            raise Invalid(f"Missing parameter: {name}")
        return value

    def bool(self, name: builtins.str, default: builtins.bool | None = None) -> builtins.bool | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() not in _FALSE

    def int(
        self,
        name: builtins.str,
        default: builtins.int | None = None,
        *,
        minimum: builtins.int | None = None,
        maximum: builtins.int = 2**31 - 1,
    ) -> builtins.int | None:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            n = int(value)
        except (TypeError, ValueError) as exc:
            raise Invalid(f"{name} must be a whole number") from exc
        if minimum is not None and n < minimum:
            raise Invalid(f"{name} must be at least {minimum}")
        if n > maximum:
            raise Invalid(f"{name} must be at most {maximum}")
        return n

    def id(self, name: builtins.str) -> builtins.int | None:
        value = self.str(name)
        if value in (None, ""):
            return None
        return parse_id(value)

    def list(self, name: builtins.str) -> builtins.list[builtins.str]:
        for key in (name, f"{name}[]"):
            if key in self._json:
                value = self._json[key]
                if value is None:
                    return []
                return [str(v) for v in value if v is not None] if isinstance(value, list) else [str(value)]
        out = [str(v) for k, v in self._pairs if k in (f"{name}[]", name)]
        # Indexed forms some clients send: name[0]=a&name[1]=b
        out += [str(v) for k, v in self._pairs if k.startswith(f"{name}[") and k[len(name) + 1 : -1].isdigit()]
        return out

    def page(self, *, default: builtins.int = 20, maximum: builtins.int = 40) -> Page:
        return Page.parse(
            self.str("max_id"), self.str("since_id"), self.str("min_id"), self.str("limit"),
            default=default, maximum=maximum,
        )


def parse_id(value: str) -> int:
    """A path or body id; anything not a number cannot exist, so it is "not found"."""
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound("Record not found") from exc
    if n <= 0 or n >= 2**63:
        raise NotFound("Record not found")
    return n


async def read_params(request: Request) -> Params:
    pairs: list[tuple[str, Any]] = list(request.query_params.multi_items())
    json_body: dict[str, Any] | None = None
    files: list[tuple[str, bytes]] = []
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype == "application/json":
            body = await request.body()
            if body.strip():
                try:
                    parsed = orjson.loads(body)
                except orjson.JSONDecodeError as exc:
                    raise Invalid("The request body is not valid JSON") from exc
                if not isinstance(parsed, dict):
                    raise Invalid("The request body must be a JSON object")
                json_body = parsed
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                form = await request.form()
            except Exception as exc:  # malformed multipart bodies raise several types
                raise Invalid("The request body could not be read") from exc
            try:
                for k, v in form.multi_items():
                    if isinstance(v, str):
                        pairs.append((k, v))
                    else:
                        files.append((k, await v.read()))
            finally:
                await form.close()
    if _has_nul(pairs) or _has_nul(json_body):
        raise Invalid("Parameters must not contain NUL characters")
    return Params(pairs, json_body, files)


def _has_nul(value: Any) -> bool:
    """True if any string inside ``value`` holds a NUL (PostgreSQL text cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, headers=headers, media_type="application/json; charset=utf-8"
    )


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": message}, status, headers)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        return token or None
    return None


@dataclass
class Ctx:
    """What a route's work function gets: the transaction, the caller and helpers."""

    uow: UnitOfWork
    services: Services
    params: Params
    credentials: Credentials | None
    request_url: str

    @property
    def session(self) -> Any:
        return self.uow.session

    @property
    def account_id(self) -> int:
        """The calling account's id; routes that use it required a user token."""
        if self.credentials is None:
            raise Unauthorized("The access token is invalid")
        if self.credentials.account_id is None:
            raise Invalid("This method requires an authenticated user")
        return self.credentials.account_id

    @property
    def account(self) -> Account:
        """The calling account, loaded; routes that use it required a user token."""
        account = self.uow.session.get(Account, self.account_id)
        if account is None:
            raise Unauthorized("The access token is invalid")
        return account

    @property
    def viewer_id(self) -> int | None:
        if self.credentials is None:
            return None
        return self.credentials.account_id

    @property
    def ser(self) -> Serializer:
        return Serializer(self.uow.session, self.viewer_id, self.services.settings.base_url, self.services.memo)

    @property
    def renderer(self) -> Renderer:
        return self.services.renderer

    def require(self, scope: str) -> None:
        if self.credentials is None:
            raise Unauthorized("The access token is invalid")
        if not self.credentials.allows(scope):
            raise Forbidden("This action is outside the authorized scopes")

    def target(self, account_id: str) -> Account:
        return get_account(self.uow.session, parse_id(account_id))

    def paged_accounts(self, rows: list[tuple[int, int]]) -> Response:
        """A page of accounts from ``(cursor, account id)`` rows in query order (oldest
        first when the page was asked with ``min_id``), newest first in the answer."""
        loaded = self.ser.load_accounts(r[1] for r in rows)
        items = newest_first([Paged(cursor, account_id) for cursor, account_id in rows if account_id in loaded], self.params.page())
        return self.paged(items, [self.ser.account(loaded[i.item]) for i in items])

    def paged(self, items: list[Paged[Any]], data: list[Any]) -> Response:
        """A JSON list with Mastodon's ``Link`` header for the next and previous pages."""
        headers: dict[str, str] = {}
        if items:
            headers["Link"] = link_header(self.request_url, items[-1].cursor, items[0].cursor)
        return json_response(data, headers=headers)


def link_header(url: str, next_max: int, prev_min: int) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("max_id", "min_id", "since_id")]
    nxt = urlunsplit(parts._replace(query=urlencode(kept + [("max_id", str(next_max))])))
    prev = urlunsplit(parts._replace(query=urlencode(kept + [("min_id", str(prev_min))])))
    return f'<{nxt}>; rel="next", <{prev}>; rel="prev"'


Auth = str  # "required" (a user token), "optional", "app" (any valid token), "none"


async def call(
    request: Request,
    work: Callable[[Ctx], Response],
    *,
    scope: str | None = None,
    auth: Auth = "required",
    write: bool | None = None,
    limit_key: str | None = None,
    home_feed: bool = False,
) -> Response:
    """Run ``work`` in one transaction in a worker thread, after auth and rate limits.
    ``home_feed``: ``work`` is a read of the caller's home feed, refreshed first if needed."""
    services: Services = request.app.state.services
    params = await read_params(request)
    token = bearer_token(request)
    if auth in ("required", "app") and token is None:
        raise Unauthorized("The access token is invalid")
    is_write = request.method not in ("GET", "HEAD") if write is None else write
    rate_headers: dict[str, str] = {}
    url = services.settings.base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")

    def attempt(check_feed: bool) -> Response | Refresh:
        with services.db.unit(write=is_write) as uow:
            # Public metadata ignores tokens, so a revoked one cannot lock a client out.
            credentials = authenticate_token(uow.session, token) if token and auth != "none" else None
            if auth == "required" and credentials is None:
                raise Unauthorized("The access token is invalid")
            if auth == "required" and credentials is not None and credentials.account_id is None:
                raise Invalid("This method requires an authenticated user")
            ctx = Ctx(uow, services, params, credentials, url)
            if scope is not None and (credentials is not None or auth in ("required", "app")):
                ctx.require(scope)
            if not home_feed or credentials is None or credentials.account_id is None:
                return work(ctx)
            return fresh_or_refresh(
                services.settings, credentials.account_id, credentials.last_active_at, lambda: work(ctx), check=check_feed
            )

    def run() -> Response:
        # Counters may live in Redis: count in the worker thread, off the event loop.
        rate_headers.update(services.limiter.hit_api(request, token))
        if limit_key:
            services.limiter.hit_named(limit_key, request, token)
        return read_refreshing(services.db, services.feeds, services.settings, attempt)

    response = await run_in_threadpool(run)
    for k, v in rate_headers.items():
        response.headers[k] = v
    return response


def reset_header(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def install_error_handlers(app: Any) -> None:
    """Map domain errors and framework errors to Mastodon's ``{"error": ...}`` shape."""
    from starlette.exceptions import HTTPException as StarletteHTTPException

    async def parley_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ParleyError)
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimited):
            headers = {
                "X-RateLimit-Limit": str(exc.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset_header(exc.reset),
                "Retry-After": str(max(1, int(exc.reset - datetime.now(UTC).timestamp()))),
            }
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="Parley"'
        return error_response(exc.status, exc.message, headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {404: "Record not found", 405: "Method not allowed"}
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else messages.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> Response:
        errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", [])[1:]) or "request"
        return error_response(422, f"Validation failed: {where}: {first.get('msg', 'invalid')}")

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")

    async def integrity_error(request: Request, exc: Exception) -> Response:
        # Two requests raced to create the same thing; nothing was stored by this one.
        return error_response(409, "This conflicts with a change made at the same time; please try again")

    from fastapi.exceptions import RequestValidationError
    from sqlalchemy.exc import IntegrityError

    app.add_exception_handler(ParleyError, parley_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(Exception, crash)
