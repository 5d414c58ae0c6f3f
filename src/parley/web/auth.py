"""Sign-up, sign-in, sign-out, the OAuth consent page, and the language switcher."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from parley.accounts import service as accounts
from parley.accounts.sessions import end_session, start_session
from parley.api.mastodon.apps import code_from_location, form_request
from parley.errors import Invalid, ParleyError
from parley.oauth import scopes as sc
from parley.oauth.server import Server, is_oob
from parley.web import i18n
from parley.web.http import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    WebCtx,
    csrf_ok,
    page,
    safe_next,
)

router = APIRouter(include_in_schema=False)


def _signed_in(ctx: WebCtx, key: str, target: str) -> Response:
    response = ctx.redirect(target)
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="lax", max_age=SESSION_MAX_AGE)
    return response


@router.get("/auth/sign_in")
async def sign_in_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        return ctx.render("auth/sign_in.html", next=safe_next(ctx.query("next")), error=None)

    return await page(request, work)


@router.post("/auth/sign_in")
async def sign_in(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        nxt = safe_next(ctx.form.get("next"))
        login = ctx.form.get("username", "")
        if not csrf_ok(request, ctx.form):
            return ctx.render("auth/sign_in.html", 400, next=nxt, username=login, error=ctx.t("Your form expired. Please try again."))
        account = accounts.authenticate(ctx.session, login, ctx.form.get("password", ""))
        if account is None:
            return ctx.render("auth/sign_in.html", 401, next=nxt, username=login, error=ctx.t("Wrong username or password."))
        return _signed_in(ctx, start_session(ctx.session, account), nxt)

    return await page(request, work, check_csrf=False, limit_key="auth")


@router.get("/auth/sign_up")
async def sign_up_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        open_ = ctx.services.settings.registrations_open
        return ctx.render("auth/sign_up.html", next=safe_next(ctx.query("next")), error=None, open=open_, values={})

    return await page(request, work)


@router.post("/auth/sign_up")
async def sign_up(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        nxt = safe_next(form.get("next"))
        values = {"username": form.get("username", ""), "email": form.get("email", "")}

        def again(status: int, error: str, open_: bool = True) -> Response:
            return ctx.render("auth/sign_up.html", status, next=nxt, error=error, open=open_, values=values)

        if not ctx.services.settings.registrations_open:
            return again(403, ctx.t("Sign-ups are closed."), open_=False)
        if not csrf_ok(request, form):
            return again(400, ctx.t("Your form expired. Please try again."))
        if form.get("password") != form.get("password_confirmation"):
            return again(422, ctx.t("The passwords do not match."))
        try:
            with ctx.session.begin_nested():
                account = accounts.create_account(
                    ctx.session, form.get("username", ""), email=form.get("email", ""), password=form.get("password", "")
                )
                # The new account speaks the language its owner signed up in.
                accounts.update_profile(ctx.session, account, accounts.ProfileChange(locale=ctx.language))
        except ParleyError as exc:
            return again(422, ctx.error_text(exc))
        return _signed_in(ctx, start_session(ctx.session, account), nxt)

    return await page(request, work, check_csrf=False, limit_key="auth")


@router.post("/auth/sign_out")
async def sign_out(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        end_session(ctx.session, request.cookies.get(SESSION_COOKIE))
        response = ctx.redirect("/")
        response.delete_cookie(SESSION_COOKIE)
        return response

    return await page(request, work)


@router.post("/settings/language")
async def switch_language(request: Request) -> Response:
    """The switcher on every page: the account's setting when signed in, and a cookie."""

    def work(ctx: WebCtx) -> Response:
        language = i18n.supported(ctx.form.get("language"))
        if language is None:
            raise Invalid("Choose one of the languages offered.")
        if ctx.viewer is not None:
            accounts.update_profile(ctx.session, ctx.viewer, accounts.ProfileChange(locale=language))
        response = ctx.back()
        response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="lax", max_age=365 * 86400)
        return response

    return await page(request, work)


@router.api_route("/oauth/authorize", methods=["GET", "POST"])
async def authorize(request: Request) -> Response:
    """The consent page: sign in first, then approve or deny the application."""
    req = await form_request(request)
    form = dict(req.form)
    if request.method == "GET":
        params = dict(req.query)
    else:
        params = {k: v for k, v in form.items() if k not in ("csrf_token", "decision")}
        req.query = list(params.items())
        req.form = []
    next_url = "/oauth/authorize?" + urlencode(params)

    def work(ctx: WebCtx) -> Response:
        account = ctx.viewer
        if account is None:
            return RedirectResponse("/auth/sign_in?" + urlencode({"next": next_url}), status_code=303)
        server = Server(ctx.session, password_grant=ctx.services.settings.oauth_password_grant)
        try:
            grant = server.get_consent_grant(req, end_user=account)
        except Exception as exc:  # Authlib's OAuth2Error: show it, never redirect blindly
            description = getattr(exc, "description", "") or getattr(exc, "error", "invalid request")
            return ctx.render("auth/oauth_error.html", 400, error=description)
        if request.method == "GET":
            requested = sc.parse(grant.request.scope or params.get("scope") or "read")
            return ctx.render("auth/authorize.html", app=grant.client.app, scopes=requested, params=params)
        if not csrf_ok(request, form):
            return ctx.render("auth/oauth_error.html", 400, error=ctx.t("Your form expired. Please try again."))
        approved = form.get("decision") == "approve"
        status, body, headers = server.create_authorization_response(req, grant_user=account if approved else None, grant=grant)
        location = dict(headers).get("Location", "")
        if is_oob(params.get("redirect_uri")) or location.startswith("urn:"):
            code = code_from_location(location)
            if code is None:
                return ctx.render("auth/oauth_error.html", 400, error=ctx.t("Authorization was denied."))
            return ctx.render("auth/oob.html", code=code, app=grant.client.app)
        return RedirectResponse(location, status_code=302) if location else Response(body, status_code=status)

    # The form was read above (Authlib's request); page() reads no second copy.
    return await page(request, work, check_csrf=False, write=True)
