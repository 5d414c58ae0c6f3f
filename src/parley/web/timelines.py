"""Web pages: the start page, the home timeline, the public and hashtag timelines."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.timelines import service as timelines
from parley.web.http import WebCtx, page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def start(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        if ctx.viewer is not None:
            return ctx.redirect("/home")
        items = timelines.public(ctx.session, None, ctx.page(10), only_media=False)
        statuses = ctx.ser.statuses([i.item for i in items])
        settings = ctx.services.settings
        return ctx.render("landing.html", statuses=statuses, description=settings.instance_description)

    return await page(request, work)


@router.get("/home")
async def home(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        s = ctx.services
        items = timelines.home(ctx.session, s.feeds, s.settings, ctx.me.id, ctx.page())
        statuses = ctx.ser.statuses([i.item for i in items])
        older = f"/home?max_id={items[-1].cursor}" if items else None
        return ctx.render("timelines/home.html", statuses=statuses, older_url=older)

    return await page(request, work, auth="required", home_feed=True)
