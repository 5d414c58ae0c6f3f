"""Sign-up, sign-in, the OAuth consent page, and the public transparency pages.

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
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from parley.accounts import service as accounts
from parley.accounts.sessions import account_for_session, end_session, start_session
from parley.api.http import parse_id
from parley.api.mastodon.apps import code_from_location, form_request
from parley.errors import Invalid, NotFound, ParleyError
from parley.oauth import scopes as sc
from parley.oauth.server import Server, is_oob
from parley.pagination import Page, Paged
from parley.services import Services
from parley.settings import Settings
from parley.transparency import charts, report, statements

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


# --- transparency: public pages (no sign-in, no cookies) ----------------------------------

ACTION_NAMES = {
    "label": "Label",
    "sensitive": "Marked sensitive",
    "limit_reach": "Reach limited",
    "public_interest_notice": "Public-interest notice",
    "remove": "Post removed",
    "warn": "Warning",
    "read_only": "Read-only until the post is deleted",
    "lock": "Account locked for a time",
    "suspend": "Account suspended",
}
SOURCE_NAMES = {
    "report": "A person's report",
    "detector": "An automated flag",
    "own_initiative": "Moderators' own initiative",
}
# The statement's fields in the order a reader wants them, with a plain name.
STATEMENT_FIELDS = (
    ("decision_visibility", "Restriction of visibility"),
    ("decision_visibility_other", "Other restriction"),
    ("end_date_visibility_restriction", "Visibility restricted until"),
    ("decision_provision", "Restriction of the service"),
    ("end_date_service_restriction", "Service restricted until"),
    ("decision_account", "Restriction of the account"),
    ("end_date_account_restriction", "Account restricted until"),
    ("decision_ground", "Ground"),
    ("incompatible_content_ground", "Rule"),
    ("incompatible_content_explanation", "Reasons"),
    ("decision_ground_reference_url", "The rule's text"),
    ("decision_facts", "Facts"),
    ("category", "Category"),
    ("category_specification", "Keywords"),
    ("content_type", "Content type"),
    ("content_language", "Language of the content"),
    ("content_date", "Date of the content"),
    ("application_date", "Date of the decision"),
    ("source_type", "Source"),
    ("automated_detection", "Found by automated means"),
    ("automated_decision", "Decided by automated means"),
    ("territorial_scope", "Territorial scope"),
    ("puid", "Unique id"),
)


def _public(name: str, settings: Settings, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(
        title=title,
        instance_title=settings.instance_title,
        action_names=ACTION_NAMES,
        source_names=SOURCE_NAMES,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _report_charts(data: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts: SVG escaped by ``parley.transparency.charts``, safe to embed."""
    rules = [(data["rules"].get(r, r), n) for r, n in data["by_rule"].items()]
    actions = [(ACTION_NAMES.get(a, a), n) for a, n in data["by_action"].items()]
    sources = [(SOURCE_NAMES.get(s, s), n) for s, n in data["by_source"].items()]
    auto = data["automated"]
    return {
        "rules": Markup(charts.bar_chart("chart-rules", "Decisions per rule", rules)),
        "actions": Markup(charts.bar_chart("chart-actions", "Decisions per action", actions if data["decisions"] else [])),
        "sources": Markup(charts.bar_chart("chart-sources", "Decisions per source", sources if data["decisions"] else [])),
        "automated": Markup(
            charts.share_chart(
                "chart-automated", "Decisions found by automated means", auto["detection"], data["decisions"],
                "Found by automated means", "Found by people",
            )
        ),
    }


@router.get("/transparency", include_in_schema=False)
async def transparency_report_page(request: Request) -> Response:
    services = _services(request)
    start, end = request.query_params.get("from"), request.query_params.get("to")
    query = urlencode({k: v for k, v in (("from", start), ("to", end)) if v})
    context: dict[str, Any] = {
        "section": "report",
        "period_from": start or "",
        "period_to": end or "",
        "percent": _percent,
        "decimal": _decimal,
        "json_url": "/api/parley/v1/transparency/report" + (f"?{query}" if query else ""),
    }
    template = "transparency/report.html"
    try:
        period = report.parse_period(start, end)
    except Invalid as exc:
        return _public(template, services.settings, "Transparency report", 400, error=exc.message, report=None, **context)

    def run() -> dict[str, Any]:
        with services.db.unit(write=False) as uow:
            return report.transparency_report(uow.session, period)

    data = await run_in_threadpool(run)
    return _public(template, services.settings, "Transparency report", report=data, charts=_report_charts(data), error=None, **context)


@router.get("/transparency/decisions", include_in_schema=False)
async def transparency_decisions_page(request: Request) -> Response:
    services = _services(request)
    try:
        page = Page.parse(request.query_params.get("max_id"), None, None, 20)
    except ParleyError:
        page = Page(limit=20)

    def run() -> list[Paged[dict[str, Any]]]:
        with services.db.unit(write=False) as uow:
            return statements.statements_page(uow.session, services.settings, page)

    items = await run_in_threadpool(run)
    return _public(
        "transparency/decisions.html",
        services.settings,
        "Decisions",
        section="decisions",
        statements=[i.item for i in items],
        max_id=page.max_id,
        next_max_id=items[-1].cursor if len(items) == page.limit else None,
    )


@router.get("/transparency/decisions/{decision_id}", include_in_schema=False)
async def transparency_decision_page(request: Request, decision_id: str) -> Response:
    services = _services(request)

    def run() -> tuple[dict[str, Any], report.LogProof | None] | None:
        with services.db.unit(write=False) as uow:
            try:
                wanted = parse_id(decision_id)
                live = statements.get_statement(uow.session, services.settings, wanted)
            except NotFound:
                return None
            return live, report.log_proof(uow.session, services.settings, wanted)

    found = await run_in_threadpool(run)
    if found is None:
        return _public("transparency/not_found.html", services.settings, "Not found", 404, section="decisions")
    live, proof = found
    # Shown as logged, so the page matches the proof; what Parley publishes now may differ.
    shown = proof.statement if proof is not None and proof.statement else live
    return _public(
        "transparency/decision.html",
        services.settings,
        f"Statement of reasons {shown.get('puid', '')}",
        section="decisions",
        statement=shown,
        proof=proof,
        logged_differs=proof is not None and proof.statement != live,
        fields=STATEMENT_FIELDS,
    )


@router.get("/transparency/notices", include_in_schema=False)
async def transparency_notices_page(request: Request) -> Response:
    services = _services(request)

    def run() -> list[dict[str, Any]]:
        with services.db.unit(write=False) as uow:
            return report.public_notices(uow.session, services.settings)

    notices = await run_in_threadpool(run)
    return _public("transparency/notices.html", services.settings, "Public-interest notices", section="notices", notices=notices)


@router.get("/transparency/verify", include_in_schema=False)
async def transparency_verify_page(request: Request) -> Response:
    settings = _services(request).settings
    return _public("transparency/verify.html", settings, "How to verify", section="verify", base_url=settings.base_url)
