"""``create_app(settings)``: the ASGI application of one Parley instance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from parley import __version__, web
from parley.api.http import error_response, install_error_handlers
from parley.api.mastodon import (
    accounts,
    admin,
    apps,
    instance,
    media,
    notifications,
    reports,
    search,
    statuses,
    timelines,
)
from parley.api.parley import cases as parley_cases
from parley.api.parley import decisions as parley_decisions
from parley.api.parley import jobs as parley_jobs
from parley.api.parley import transparency as parley_transparency
from parley.api.parley import transparency_log as parley_transparency_log
from parley.services import Services
from parley.settings import Settings


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(413, f"The request body is larger than {self.limit} bytes")(scope, receive, send)
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await error_response(413, f"The request body is larger than {self.limit} bytes")(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app; ``services`` may be passed in by tests that share a database."""
    settings = settings.with_secret()
    services = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests do their database work in worker threads (parley.api.http.call); more
        # than a few per process only contend for the interpreter lock.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        services.start()
        yield
        services.close()

    app = FastAPI(
        title="Parley",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/parley/docs",
        openapi_url="/api/parley/v1/openapi.json",
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    # Routes are matched in order, one by one: the busiest come first. /health (the
    # benchmarks' constant endpoint) and the timelines pay the least matching.
    @app.get("/health", include_in_schema=False)
    async def health() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    for module in (
        timelines, notifications, statuses, accounts, media, instance, apps, search, parley_decisions,
        reports, admin, parley_cases, parley_transparency, parley_transparency_log, parley_jobs,
    ):
        app.include_router(module.router)
    web.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    return app
