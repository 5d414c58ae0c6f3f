"""``/api/v2/media`` and ``/api/v1/media``: image uploads; ``/media/...``: their files."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from parley.accounts.sessions import SESSION_COOKIE, account_for_session
from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import media_json
from parley.errors import Invalid, NotFound
from parley.media import service as media
from parley.safety.permissions import MODERATOR_ROLES
from parley.services import Services
from parley.store.tables import MediaAttachment

router = APIRouter()


def _answer(ctx: Ctx, attachment: MediaAttachment) -> Response:
    return json_response(media_json(ctx.services.settings.base_url.rstrip("/"), attachment))


def _upload(ctx: Ctx) -> Response:
    data = ctx.params.file("file")
    if data is None:
        raise Invalid("Validation failed: File can't be blank (send the image in the multipart field 'file')")
    if ctx.params.file("thumbnail") is not None:
        raise Invalid("Validation failed: Custom thumbnails are for audio and video, which Parley does not take")
    attachment = media.upload(
        ctx.session,
        ctx.services.settings,
        ctx.account,
        data,
        description=ctx.params.str("description") or "",
        focus=ctx.params.str("focus"),
    )
    return _answer(ctx, attachment)


@router.post("/api/v2/media")
async def upload_v2(request: Request) -> Response:
    # Images are processed before the answer, so it is 200 with the URL, never 202.
    return await call(request, _upload, scope="write:media", limit_key="media")


@router.post("/api/v1/media")
async def upload_v1(request: Request) -> Response:
    return await call(request, _upload, scope="write:media", limit_key="media")


@router.get("/api/v1/media/{media_id}")
async def show(request: Request, media_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        attachment = media.own_unattached(ctx.session, ctx.account_id, parse_id(media_id))
        return _answer(ctx, attachment)

    return await call(request, work, scope="write:media")


@router.put("/api/v1/media/{media_id}")
async def update(request: Request, media_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        attachment = media.update(
            ctx.session,
            ctx.account_id,
            parse_id(media_id),
            description=ctx.params.str("description"),
            focus=ctx.params.str("focus"),
        )
        return _answer(ctx, attachment)

    return await call(request, work, scope="write:media")


@router.delete("/api/v1/media/{media_id}")
async def remove(request: Request, media_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        key = media.delete(ctx.session, ctx.account_id, parse_id(media_id))
        ctx.uow.after_commit(partial(media.remove_files, ctx.services.settings, [key]))
        return json_response({})

    return await call(request, work, scope="write:media")


@router.get("/media/{key}/{name}")
async def file(request: Request, key: str, name: str) -> Response:
    """An image file: public to whoever has its (unguessable) URL, like Mastodon's, until
    its post is deleted or removed."""
    services: Services = request.app.state.services

    session_key = request.cookies.get(SESSION_COOKIE)

    def find() -> media.StoredFile:
        with services.db.unit(write=False) as uow:
            found = media.stored_file(uow.session, services.settings, key, name)
            if not found.public:
                # A removed post's images: only for a moderator signed in to the web UI.
                viewer = account_for_session(uow.session, session_key)
                if viewer is None or viewer.role not in MODERATOR_ROLES:
                    raise NotFound("Record not found")
            return found

    try:
        found = await run_in_threadpool(find)
    except NotFound:
        return json_response({"error": "Record not found"}, 404)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        headers={
            "Cache-Control": "public, max-age=3600" if found.public else "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )
