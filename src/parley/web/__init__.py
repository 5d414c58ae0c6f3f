"""Parley's own web UI: server-rendered pages over the domain services (no calls to the
HTTP API), in English and Dutch, working without JavaScript where reasonable."""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from parley.web import (
    auth,
    moderation,
    moderation_reviews,
    notifications,
    posts,
    profiles,
    safety,
    search,
    settings,
    timelines,
    transparency,
)
from parley.web.http import CSRF_COOKIE, LANGUAGE_COOKIE, csrf_token, error_page
from parley.web.i18n import choose, lazy
from parley.web.render import STATIC
from parley.web.security import SecurityHeaders


def install(app: FastAPI) -> None:
    """Add the pages, the static files and the pages' security headers to ``app``."""
    for module in (timelines, posts, notifications, profiles, search, settings, safety, moderation, moderation_reviews, auth, transparency):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    api_error = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        # A browser that follows a wrong link gets a page; clients of the API get JSON.
        assert isinstance(exc, StarletteHTTPException)
        if _is_page_request(request) and exc.status_code in (404, 405):
            language = choose(None, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
            token = csrf_token(request)
            response = error_page(request, 404, lazy("Page not found"), language, token)
            if request.cookies.get(CSRF_COOKIE) != token:
                response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax")
            return response
        answer = api_error(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, http_error)


def _is_page_request(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/oauth/", "/.well-known/", "/nodeinfo", "/static/", "/users/")):
        return False
    return "text/html" in request.headers.get("accept", "")
