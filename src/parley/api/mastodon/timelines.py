"""``/api/v1/timelines``, favourites and bookmarks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call
from parley.timelines import service as timelines

router = APIRouter()


@router.get("/api/v1/timelines/home")
async def home(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        s = ctx.services
        items = timelines.home(ctx.session, s.feeds, s.settings, ctx.account_id, ctx.params.page())
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, scope="read:statuses", home_feed=True)


@router.get("/api/v1/timelines/public")
async def public(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        if p.bool("remote", False):
            items = []  # every post on Parley is local; there are no remote ones
        else:
            items = timelines.public(ctx.session, ctx.viewer_id, p.page(), only_media=bool(p.bool("only_media", False)))
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/timelines/tag/{hashtag}")
async def tag(request: Request, hashtag: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        items = timelines.tag(
            ctx.session,
            ctx.viewer_id,
            hashtag.lstrip("#"),
            p.page(),
            any_tags=p.list("any"),
            all_tags=p.list("all"),
            none_tags=p.list("none"),
        )
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/favourites")
async def favourites(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        items = timelines.favourites(ctx.session, ctx.account_id, ctx.params.page())
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, scope="read:favourites")


@router.get("/api/v1/bookmarks")
async def bookmarks(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        items = timelines.bookmarks(ctx.session, ctx.account_id, ctx.params.page())
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, scope="read:bookmarks")
