"""Sign-up, sign-in and the OAuth consent page.

Forms are protected by a double-submit CSRF token: a random cookie that the form must echo.
Cookies are HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from parley.accounts import service as accounts
from parley.accounts.sessions import account_for_session, end_session, start_session
from parley.api.mastodon.apps import code_from_location, form_request
from parley.errors import ParleyError
from parley.oauth import scopes as sc
from parley.oauth.server import Server, is_oob
from parley.services import Services

router = APIRouter()

SESSION_COOKIE = "parley_session"
CSRF_COOKIE = "parley_csrf"

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


def _services(request: Request) -> Services:
    return request.app.state.services


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    token = _csrf(request)
    html = templates.get_template(name).render(csrf_token=token, title="Parley", **context)
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax")
    return response


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie) and secrets.compare_digest(cookie or "", form.get("csrf_token", ""))


def _safe_next(value: str | None) -> str:
    # Only same-site paths: never redirect a signed-in person to another host.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and "\x00" not in value:
        return value
    return "/"


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    # NUL characters cannot be stored (PostgreSQL text) and have no use in a form.
    return {k: v.replace("\x00", "") for k, v in form.items() if isinstance(v, str)}


@router.get("/auth/sign_in")
async def sign_in_page(request: Request) -> Response:
    return _page(request, "sign_in.html", next=_safe_next(request.query_params.get("next")), error=None)


@router.post("/auth/sign_in")
async def sign_in(request: Request) -> Response:
    services = _services(request)
    services.limiter.hit_named("auth", request, None)
    form = await _form(request)
    nxt = _safe_next(form.get("next"))
    if not _csrf_ok(request, form):
        return _page(request, "sign_in.html", 400, next=nxt, error="Your form expired. Please try again.")

    def run() -> str | None:
        with services.db.unit() as uow:
            account = accounts.authenticate(uow.session, form.get("username", ""), form.get("password", ""))
            return start_session(uow.session, account) if account else None

    key = await run_in_threadpool(run)
    if key is None:
        return _page(request, "sign_in.html", 401, next=nxt, error="Wrong username or password.")
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="lax", max_age=30 * 86400)
    return response


@router.get("/auth/sign_up")
async def sign_up_page(request: Request) -> Response:
    open_ = _services(request).settings.registrations_open
    return _page(request, "sign_up.html", next=_safe_next(request.query_params.get("next")), error=None, open=open_, values={})


@router.post("/auth/sign_up")
async def sign_up(request: Request) -> Response:
    services = _services(request)
    services.limiter.hit_named("auth", request, None)
    form = await _form(request)
    nxt = _safe_next(form.get("next"))
    values = {"username": form.get("username", ""), "email": form.get("email", "")}
    if not services.settings.registrations_open:
        return _page(request, "sign_up.html", 403, next=nxt, error="Sign-ups are closed.", open=False, values=values)
    if not _csrf_ok(request, form):
        return _page(request, "sign_up.html", 400, next=nxt, error="Your form expired. Please try again.", open=True, values=values)
    if form.get("password") != form.get("password_confirmation"):
        return _page(request, "sign_up.html", 422, next=nxt, error="The passwords do not match.", open=True, values=values)

    def run() -> str:
        with services.db.unit() as uow:
            account = accounts.create_account(
                uow.session, form.get("username", ""), email=form.get("email", ""), password=form.get("password", "")
            )
            return start_session(uow.session, account)

    try:
        key = await run_in_threadpool(run)
    except ParleyError as exc:
        return _page(request, "sign_up.html", 422, next=nxt, error=exc.message, open=True, values=values)
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="lax", max_age=30 * 86400)
    return response


@router.post("/auth/sign_out")
async def sign_out(request: Request) -> Response:
    services = _services(request)
    form = await _form(request)
    if _csrf_ok(request, form):

        def run() -> None:
            with services.db.unit() as uow:
                end_session(uow.session, request.cookies.get(SESSION_COOKIE))

        await run_in_threadpool(run)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.api_route("/oauth/authorize", methods=["GET", "POST"], include_in_schema=False)
async def authorize(request: Request) -> Response:
    """The consent page: sign in first, then approve or deny the application."""
    services = _services(request)
    req = await form_request(request)
    form = dict(req.form)
    if request.method == "GET":
        params = dict(req.query)
    else:
        params = {k: v for k, v in form.items() if k not in ("csrf_token", "decision")}
        req.query = list(params.items())
        req.form = []
    key = request.cookies.get(SESSION_COOKIE)
    next_url = "/oauth/authorize?" + urlencode(params)

    def run() -> Response:
        with services.db.unit() as uow:
            account = account_for_session(uow.session, key)
            if account is None:
                return RedirectResponse("/auth/sign_in?" + urlencode({"next": next_url}), status_code=303)
            server = Server(uow.session, password_grant=services.settings.oauth_password_grant)
            try:
                grant = server.get_consent_grant(req, end_user=account)
            except Exception as exc:  # Authlib's OAuth2Error: show it, never redirect blindly
                description = getattr(exc, "description", "") or getattr(exc, "error", "invalid request")
                return _page(request, "oauth_error.html", 400, error=description)
            if request.method == "GET":
                requested = sc.parse(grant.request.scope or params.get("scope") or "read")
                return _page(
                    request,
                    "authorize.html",
                    app=grant.client.app,
                    account=account,
                    scopes=requested,
                    params=params,
                )
            if not _csrf_ok(request, form):
                return _page(request, "oauth_error.html", 400, error="Your form expired. Please try again.")
            approved = form.get("decision") == "approve"
            status, body, headers = server.create_authorization_response(
                req, grant_user=account if approved else None, grant=grant
            )
            location = dict(headers).get("Location", "")
            if is_oob(params.get("redirect_uri")) or location.startswith("urn:"):
                code = code_from_location(location)
                if code is None:
                    return _page(request, "oauth_error.html", 400, error="Authorization was denied.")
                return _page(request, "oob.html", code=code, app=grant.client.app)
            return RedirectResponse(location, status_code=302) if location else Response(body, status_code=status)

    return await run_in_threadpool(run)
