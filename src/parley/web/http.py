"""Plumbing of the web pages: the signed-in person, CSRF, the language, one transaction per
request, and errors shown as pages.

A page route is ``async``: it reads the form, then hops once into a worker thread where
``work(ctx)`` runs in one transaction and returns a response. Domain errors become an
HTML page with the message translated; a page that needs a signed-in person sends
others to the sign-in page and back.

Forms are protected by a double-submit token: a random HttpOnly cookie that every POST
must echo, in the form (``csrf_token``) or, from scripts, in ``X-CSRF-Token``.
Cookies are HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from parley.accounts.sessions import SESSION_COOKIE, account_for_session
from parley.api.mastodon.entities import Serializer
from parley.errors import Forbidden, NotFound, ParleyError
from parley.feeds.service import Refresh, fresh_or_refresh, read_refreshing
from parley.notifications import service as notes
from parley.pagination import Page, Paged
from parley.posts.service import MAX_CHARS
from parley.services import Services
from parley.store.db import UnitOfWork
from parley.store.tables import Account
from parley.web import i18n
from parley.web.render import render, render_macro

log = logging.getLogger("parley.web")

CSRF_COOKIE = "parley_csrf"
LANGUAGE_COOKIE = "parley_lang"
SESSION_MAX_AGE = 30 * 86400
MODERATOR_ROLES = ("moderator", "admin")

Auth = str  # "optional", "required" (a signed-in person), "moderator"


class SignInRequired(Exception):
    """Raised inside work: send the browser to the sign-in page, then back."""


def csrf_token(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token") or ""
    return bool(cookie) and secrets.compare_digest(cookie, sent)


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a signed-in person to another host."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and "\x00" not in value:
        return value
    return default


async def read_form(request: Request) -> tuple[dict[str, str], dict[str, list[bytes]]]:
    """A POST's fields, and the content of its uploaded files by field name (a file
    input left empty sends nothing)."""
    if request.method != "POST":
        return {}, {}
    try:
        form = await request.form()
    except Exception:  # a malformed body reads as an empty form; CSRF then refuses it
        return {}, {}
    files: dict[str, list[bytes]] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and (value.filename or value.size):
                files.setdefault(name, []).append(await value.read())
    finally:
        await form.close()
    # NUL characters cannot be stored (PostgreSQL text) and have no use in a form.
    return {k: v.replace("\x00", "") for k, v in form.items() if isinstance(v, str)}, files


def with_query(url: str, **params: object) -> str:
    """``url`` with ``params`` set in its query string (replacing any of the same name;
    None leaves a parameter out)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    added = [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(kept + added)))


def pager(path: str, items: list[Paged[Any]], wanted: Page, **params: object) -> tuple[str | None, str | None]:
    """The "older" and "newer" links of a page of ``items`` (newest first, each with the
    cursor of its list), for any list paged with ``max_id`` and ``min_id``."""
    older = newer = None
    if items and (len(items) >= wanted.limit or wanted.min_id is not None):
        older = with_query(path, **params, max_id=items[-1].cursor)
    if wanted.max_id is not None or (wanted.min_id is not None and len(items) >= wanted.limit):
        newer = with_query(path, **params, min_id=items[0].cursor) if items else with_query(path, **params)
    return older, newer


def flash(ctx: WebCtx, messages: dict[str, str]) -> str | None:
    """The success message a form's answer asked for with ``?done=``, translated."""
    message = messages.get(ctx.query("done") or "")
    return ctx.t(message) if message else None


def wants_fragment(request: Request) -> bool:
    """A script asked for a fragment to swap in place, not a whole page."""
    return request.headers.get("x-parley-fragment") == "1"


@dataclass
class WebCtx:
    """What a page's work function gets: the transaction, the person, the request."""

    uow: UnitOfWork
    services: Services
    request: Request
    form: dict[str, str]
    viewer: Account | None
    language: str
    csrf: str
    files: dict[str, list[bytes]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def viewer_id(self) -> int | None:
        return self.viewer.id if self.viewer is not None else None

    @property
    def me(self) -> Account:
        """The signed-in person; pages that use it were declared ``auth="required"``."""
        if self.viewer is None:
            raise SignInRequired()
        return self.viewer

    @property
    def is_moderator(self) -> bool:
        return self.viewer is not None and self.viewer.role in MODERATOR_ROLES

    @property
    def ser(self) -> Serializer:
        return Serializer(self.session, self.viewer_id, self.services.settings.base_url, self.services.memo)

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def page(self, limit: int = 20) -> Page:
        """The page asked for with ``max_id`` (older) or ``min_id`` (newer); bad values
        read as the first page, which is what a person following an old link wants."""
        try:
            return Page.parse(self.query("max_id"), None, self.query("min_id"), None, default=limit)
        except ParleyError:
            return Page(limit=limit)

    def t(self, message: str, **variables: object) -> str:
        return i18n.gettext(message, **variables)

    def error_text(self, exc: ParleyError) -> str:
        return i18n.error_text(exc)

    def globals(self) -> dict[str, Any]:
        """What every template may use."""
        return {
            "viewer": self.viewer,
            "is_moderator": self.is_moderator,
            "csrf_token": self.csrf,
            "instance_title": self.services.settings.instance_title,
            "max_chars": MAX_CHARS,
            "max_media": self.services.settings.max_media_attachments,
            "max_image_size": i18n.format_bytes(self.services.settings.max_image_bytes),
            "path": self.request.url.path,
            "full_path": self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else ""),
            # Called by the navigation only, so fragments and polls do not count.
            "unread_notifications": self.unread_notifications,
        }

    def unread_notifications(self) -> int:
        """New notifications (at most 100; the badge shows "99+" above 99), counted once
        per request until ``notifications_read``."""
        if self.viewer is None:
            return 0
        if "unread" not in self._cache:
            self._cache["unread"] = notes.unread_count(self.session, self.viewer.id, limit=100)
        return int(self._cache["unread"])

    def notifications_read(self) -> None:
        """The notifications marker moved: the next count is taken again."""
        self._cache.pop("unread", None)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = render(template, self.language, **(self.globals() | context))
        return HTMLResponse(html, status_code=status)

    def fragment(self, template: str, macro: str, *args: Any, **kwargs: Any) -> HTMLResponse:
        """One macro's HTML, to replace part of the page a form was sent from: its forms
        must lead back to that page (the form's ``next``), not to the form's action."""
        context = self.globals()
        back = safe_next(self.form.get("next"), "").split("#", 1)[0]
        if back:
            context |= {"full_path": back, "path": back.split("?", 1)[0]}
        return HTMLResponse(render_macro(template, macro, self.language, context, *args, **kwargs))

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    def back(self, default: str = "/") -> Response:
        """After a form: where the form said to go (``next``), else ``default``."""
        return self.redirect(safe_next(self.form.get("next"), default))

    def json(self, data: Any, status: int = 200) -> Response:
        return JSONResponse(data, status_code=status)


async def page(
    request: Request,
    work: Callable[[WebCtx], Response],
    *,
    auth: Auth = "optional",
    write: bool | None = None,
    limit_key: str | None = None,
    home_feed: bool = False,
    check_csrf: bool = True,
) -> Response:
    """Run ``work`` in one transaction in a worker thread, as the signed-in person.

    ``home_feed``: ``work`` is a read of the viewer's home feed, refreshed first if needed.
    ``check_csrf=False`` is for the sign-in and sign-up forms, which show a stale form's
    error on the form itself (``work`` then checks ``csrf_ok``)."""
    services: Services = request.app.state.services
    form, files = await read_form(request)
    is_write = request.method not in ("GET", "HEAD") if write is None else write
    key = request.cookies.get(SESSION_COOKIE)
    csrf = csrf_token(request)
    state: dict[str, Any] = {"language": i18n.choose(None, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))}

    def attempt(check_feed: bool) -> Response | Refresh:
        with services.db.unit(write=is_write) as uow:
            viewer = account_for_session(uow.session, key)
            state["language"] = i18n.choose(
                viewer.locale if viewer is not None and viewer.locale else None,
                request.cookies.get(LANGUAGE_COOKIE),
                request.headers.get("accept-language"),
            )
            token = i18n.activate(state["language"])
            try:
                ctx = WebCtx(uow, services, request, form, viewer, state["language"], csrf, files)
                if auth in ("required", "moderator") and viewer is None:
                    raise SignInRequired()
                if auth == "moderator" and not ctx.is_moderator:
                    raise NotFound("Page not found")
                if check_csrf and request.method == "POST" and not csrf_ok(request, form):
                    raise Forbidden("Your form expired. Please go back, reload the page and try again.")
                if not home_feed or viewer is None:
                    return work(ctx)
                return fresh_or_refresh(services.settings, viewer.id, viewer.last_active_at, lambda: work(ctx), check=check_feed)
            finally:
                i18n._current.reset(token)

    def run() -> Response:
        if is_write:
            services.limiter.hit_api(request, None)
        if limit_key:
            services.limiter.hit_named(limit_key, request, None)
        return read_refreshing(services.db, services.feeds, services.settings, attempt)

    try:
        response = await run_in_threadpool(run)
    except SignInRequired:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = safe_next(form.get("next"), "/")
        response = RedirectResponse("/auth/sign_in?" + urlencode({"next": target}), status_code=303)
    except ParleyError as exc:
        response = error_page(request, exc.status, exc, state["language"], csrf)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str | ParleyError, language: str, csrf: str) -> Response:
    """A domain error as a page (or as ``{"error": ...}`` for a script's request)."""
    token = i18n.activate(language)
    try:
        text = i18n.error_text(message) if isinstance(message, ParleyError) else i18n.gettext(message)
    finally:
        i18n._current.reset(token)
    if wants_fragment(request) or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": text}, status_code=status)
    titles = {404: i18n.lazy("Not found"), 403: i18n.lazy("Not allowed"), 429: i18n.lazy("Slow down"), 401: i18n.lazy("Sign in")}
    html = render(
        "error.html",
        language,
        viewer=None,
        csrf_token=csrf,
        status=status,
        heading=titles.get(status, i18n.lazy("Something is not right")),
        message=text,
        path=request.url.path,
        full_path=request.url.path,
    )
    return HTMLResponse(html, status_code=status)

