"""Parley's own web UI: server-rendered pages over the domain services (no calls to the
HTTP API), in English and Dutch, working without JavaScript where reasonable."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from parley.web import (
    auth,
    moderation,
    notifications,
    posts,
    profiles,
    safety,
    search,
    settings,
    timelines,
    transparency,
)
from parley.web.render import STATIC
from parley.web.security import SecurityHeaders


def install(app: FastAPI) -> None:
    """Add the pages, the static files and the pages' security headers to ``app``."""
    for module in (timelines, posts, notifications, profiles, search, settings, safety, moderation, auth, transparency):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
