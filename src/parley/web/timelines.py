"""Web pages: the start page, the home timeline with its compose box, the public and
hashtag timelines, the explore page and the bookmarks."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.errors import NotFound, ParleyError
from parley.pagination import Page, Paged
from parley.posts.access import Seen
from parley.timelines import service as timelines
from parley.web.http import WebCtx, page, pager, wants_fragment, with_query
from parley.web.posts import compose_values

router = APIRouter(include_in_schema=False)

NEW_POSTS_LIMIT = 40  # the most a "show new posts" button brings in; beyond, a reload


def _newest(items: list[Paged[Any]], page_: Page) -> int | None:
    """The cursor new posts are polled above: on the first page only (None elsewhere)."""
    if page_.max_id is not None or page_.min_id is not None:
        return None
    return items[0].cursor if items else 0


def _posts(ctx: WebCtx, template: str, path: str, items: list[Paged[Seen[Any]]], wanted: Page, **context: Any) -> Response:
    """A page of posts with its "older" and "newer" links."""
    older, newer = pager(path, items, wanted)
    statuses = ctx.ser.statuses([i.item for i in items])
    return ctx.render(template, statuses=statuses, older_url=older, newer_url=newer, **context)


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
        page_ = ctx.page()
        items = timelines.home(ctx.session, s.feeds, s.settings, ctx.me.id, page_)
        return _posts(
            ctx, "timelines/home.html", "/home", items, page_, newest=_newest(items, page_), draft=compose_values(ctx.me)
        )

    return await page(request, work, auth="required", home_feed=True)


@router.get("/home/new")
async def home_new(request: Request) -> Response:
    """The posts above ``since_id`` on the home timeline, as HTML for a script to insert;
    a person who opens it in the browser is sent to the home page."""

    def work(ctx: WebCtx) -> Response:
        if not wants_fragment(request):
            return ctx.redirect("/home")
        s = ctx.services
        since = _since(ctx)
        items = timelines.home(ctx.session, s.feeds, s.settings, ctx.me.id, Page(since_id=since, limit=NEW_POSTS_LIMIT))
        statuses = ctx.ser.statuses([i.item for i in items])
        newest = items[0].cursor if items else since
        # The posts go on the home page: their forms lead back there.
        response = ctx.render(
            "timelines/new_posts.html", statuses=statuses, newest=newest, more=len(items) >= NEW_POSTS_LIMIT,
            full_path="/home", path="/home",
        )
        response.headers["X-Parley-Fragment"] = "1"
        response.headers["Cache-Control"] = "no-store"
        return response

    return await page(request, work, auth="required", home_feed=True)


def _since(ctx: WebCtx) -> int:
    try:
        return Page.parse(None, ctx.query("since_id"), None, None).since_id or 0
    except ParleyError:  # out of range: as if absent
        return 0


@router.get("/public")
async def public(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        page_ = ctx.page()
        items = timelines.public(ctx.session, ctx.viewer_id, page_)
        return _posts(ctx, "timelines/public.html", "/public", items, page_)

    return await page(request, work)


@router.get("/tags/{name}")
async def tag(request: Request, name: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        bare = name.strip().lstrip("#")
        if not bare:
            raise NotFound("Page not found")
        if bare != name:
            return ctx.redirect(with_query(f"/tags/{quote(bare, safe='')}", **dict(request.query_params)))
        page_ = ctx.page()
        items = timelines.tag(ctx.session, ctx.viewer_id, bare, page_)
        return _posts(ctx, "timelines/tag.html", f"/tags/{quote(bare, safe='')}", items, page_, tag=bare)

    return await page(request, work)


@router.get("/explore")
async def explore(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        page_ = ctx.page()
        items = timelines.public(ctx.session, ctx.viewer_id, page_)
        first = page_.max_id is None and page_.min_id is None
        tags = timelines.trending_tags(ctx.session) if first else []
        return _posts(ctx, "timelines/explore.html", "/explore", items, page_, tags=tags, first_page=first)

    return await page(request, work)


@router.get("/bookmarks")
async def bookmarks(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        page_ = ctx.page()
        items = timelines.bookmarks(ctx.session, ctx.me.id, page_)
        return _posts(ctx, "timelines/bookmarks.html", "/bookmarks", items, page_)

    return await page(request, work, auth="required")
