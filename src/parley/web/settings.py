"""Web pages: settings of the signed-in person: profile, preferences, password, the apps
they authorised, and their signed-in browsers."""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts import service as accounts
from parley.accounts.sessions import end_other_sessions, end_session_by_id, list_sessions
from parley.api.http import parse_id
from parley.errors import Invalid, ParleyError
from parley.oauth import apps
from parley.web import i18n
from parley.web.http import LANGUAGE_COOKIE, SESSION_COOKIE, WebCtx, flash, page
from parley.web.i18n import lazy

router = APIRouter(include_in_schema=False)

VISIBILITIES = (
    ("public", lazy("Public")),
    ("unlisted", lazy("Quiet public (left out of the public timelines)")),
    ("private", lazy("Followers only")),
)
FLASHES = {
    "profile": lazy("Your profile was saved."),
    "preferences": lazy("Your preferences were saved."),
    "password": lazy("Your password was changed. Your other browsers were signed out."),
    "revoked": lazy("The app's access was revoked: its tokens no longer work."),
    "session": lazy("That browser was signed out."),
}


@functools.cache
def post_languages(language: str) -> list[tuple[str, str]]:
    """The languages a post may be written in (ISO 639-1), named in ``language``, by name."""
    names = Locale.parse(language).languages
    found = [(code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()]
    return sorted(found, key=lambda item: item[1].casefold())


def _render(ctx: WebCtx, section: str, template: str, status: int = 200, **context: Any) -> Response:
    done = flash(ctx, FLASHES)
    if ctx.query("done") == "others":
        count = _count(ctx.query("n"))
        done = i18n.ngettext("Signed out %(num)s other browser.", "Signed out %(num)s other browsers.", count)
    return ctx.render(template, status, section=section, flash=done, **context)


def _count(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


@router.get("/settings")
async def settings_index(request: Request) -> Response:
    return await page(request, lambda ctx: ctx.redirect("/settings/profile"), auth="required")


# --- profile ------------------------------------------------------------------------------


def _profile_values(ctx: WebCtx) -> dict[str, Any]:
    """The form's values as stored: the raw bio and fields, not their HTML."""
    me = ctx.me
    source = ctx.ser.credential_account(me)["source"]
    fields = [(f["name"], f["value"]) for f in source["fields"]]
    return {
        "display_name": me.display_name,
        "note": source["note"],
        "fields": fields + [("", "")] * (accounts.MAX_FIELDS - len(fields)),
        "locked": me.locked,
        "bot": me.bot,
        "discoverable": me.discoverable,
    }


def _profile_page(ctx: WebCtx, values: dict[str, Any], error: str | None = None, status: int = 200) -> Response:
    return _render(
        ctx,
        "profile",
        "settings/profile.html",
        status,
        values=values,
        error=error,
        max_display_name=accounts.MAX_DISPLAY_NAME,
        max_note=accounts.MAX_NOTE,
    )


@router.get("/settings/profile")
async def profile_page(request: Request) -> Response:
    return await page(request, lambda ctx: _profile_page(ctx, _profile_values(ctx)), auth="required")


@router.post("/settings/profile")
async def save_profile(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        fields = [
            (form.get(f"field_{i}_name", "").strip(), form.get(f"field_{i}_value", "").strip())
            for i in range(accounts.MAX_FIELDS)
        ]
        values: dict[str, Any] = {
            "display_name": form.get("display_name", "").strip(),
            # Browsers send line breaks in text areas as CRLF.
            "note": form.get("note", "").replace("\r\n", "\n"),
            "fields": fields,
            "locked": form.get("locked") == "1",
            "bot": form.get("bot") == "1",
            "discoverable": form.get("discoverable") == "1",
        }
        change = accounts.ProfileChange(
            display_name=values["display_name"],
            note=values["note"],
            fields=fields,
            locked=values["locked"],
            bot=values["bot"],
            discoverable=values["discoverable"],
        )
        try:
            # A savepoint: a refused change leaves nothing half-applied.
            with ctx.session.begin_nested():
                accounts.update_profile(ctx.session, ctx.me, change)
        except ParleyError as exc:
            return _profile_page(ctx, values, ctx.error_text(exc), 422)
        return ctx.redirect("/settings/profile?done=profile")

    return await page(request, work, auth="required")


# --- preferences --------------------------------------------------------------------------


def _preferences_page(ctx: WebCtx, values: dict[str, Any], error: str | None = None, status: int = 200) -> Response:
    return _render(
        ctx,
        "preferences",
        "settings/preferences.html",
        status,
        values=values,
        error=error,
        visibilities=VISIBILITIES,
        post_languages=post_languages(ctx.language),
    )


@router.get("/settings/preferences")
async def preferences_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        me = ctx.me
        values = {
            "locale": me.locale,
            "default_visibility": me.default_visibility,
            "default_sensitive": me.default_sensitive,
            "default_language": me.default_language or "",
        }
        return _preferences_page(ctx, values)

    return await page(request, work, auth="required")


@router.post("/settings/preferences")
async def save_preferences(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        values: dict[str, Any] = {
            "locale": form.get("locale", ""),
            "default_visibility": form.get("default_visibility", ""),
            "default_sensitive": form.get("default_sensitive") == "1",
            "default_language": form.get("default_language", ""),
        }
        try:
            if values["default_language"] and values["default_language"] not in dict(post_languages(ctx.language)):
                raise Invalid("Choose one of the languages offered.")
            change = accounts.ProfileChange(
                locale=values["locale"],
                default_visibility=values["default_visibility"],
                default_sensitive=values["default_sensitive"],
                default_language=values["default_language"],
            )
            with ctx.session.begin_nested():
                accounts.update_profile(ctx.session, ctx.me, change)
        except ParleyError as exc:
            return _preferences_page(ctx, values, ctx.error_text(exc), 422)
        response = ctx.redirect("/settings/preferences?done=preferences")
        # The switcher's cookie follows, so signed-out pages in this browser agree.
        response.set_cookie(LANGUAGE_COOKIE, ctx.me.locale, httponly=True, samesite="lax", max_age=365 * 86400)
        return response

    return await page(request, work, auth="required")


# --- password -----------------------------------------------------------------------------


@router.get("/settings/password")
async def password_page(request: Request) -> Response:
    return await page(
        request, lambda ctx: _render(ctx, "password", "settings/password.html", error=None), auth="required"
    )


@router.post("/settings/password")
async def change_password(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form

        def again(message: str) -> Response:
            return _render(ctx, "password", "settings/password.html", 422, error=ctx.t(message))

        if form.get("password", "") != form.get("password_confirmation", ""):
            return again("The new passwords do not match.")
        try:
            accounts.change_password(ctx.session, ctx.me, form.get("current_password", ""), form.get("password", ""))
        except Invalid as exc:
            return _render(ctx, "password", "settings/password.html", 422, error=ctx.error_text(exc))
        # Whoever knew the old password is signed out everywhere but here.
        end_other_sessions(ctx.session, ctx.me.id, request.cookies.get(SESSION_COOKIE))
        return ctx.redirect("/settings/password?done=password")

    # Counted with sign-ins: guessing the current password here is no faster.
    return await page(request, work, auth="required", limit_key="auth")


# --- authorised apps ----------------------------------------------------------------------


@router.get("/settings/applications")
async def applications_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        found = apps.authorized_apps(ctx.session, ctx.me.id)
        return _render(ctx, "applications", "settings/applications.html", authorized=found)

    return await page(request, work, auth="required")


@router.post("/settings/applications/revoke")
async def revoke_application(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        which = ctx.form.get("app", "")
        app_id = None if which == "personal" else parse_id(which)
        apps.revoke_app(ctx.session, ctx.me.id, app_id)
        return ctx.redirect("/settings/applications?done=revoked")

    return await page(request, work, auth="required")


# --- signed-in browsers -------------------------------------------------------------------


@router.get("/settings/sessions")
async def sessions_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        found = list_sessions(ctx.session, ctx.me.id, request.cookies.get(SESSION_COOKIE))
        return _render(ctx, "sessions", "settings/sessions.html", browsers=found)

    return await page(request, work, auth="required")


@router.post("/settings/sessions/others/end")
async def end_others(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        count = end_other_sessions(ctx.session, ctx.me.id, request.cookies.get(SESSION_COOKIE))
        return ctx.redirect(f"/settings/sessions?done=others&n={count}")

    return await page(request, work, auth="required")


@router.post("/settings/sessions/{session_id}/end")
async def end_one(request: Request, session_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        end_session_by_id(ctx.session, ctx.me.id, parse_id(session_id))
        return ctx.redirect("/settings/sessions?done=session")

    return await page(request, work, auth="required")
