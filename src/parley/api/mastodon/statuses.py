"""``/api/v1/statuses``: create, read, edit, delete and interact with posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, Params, call, json_response, parse_id
from parley.api.mastodon.entities import iso, media_json
from parley.errors import Invalid, NotFound
from parley.media import service as media
from parley.pagination import Paged
from parley.posts import queries
from parley.posts import service as posts
from parley.posts.access import Seen, get_post_for, visible_by_ids
from parley.store.tables import Post
from parley.visibility import NONE, Context, Show, Verdict

router = APIRouter()


def _seen(ctx: Ctx, post: Post) -> Seen:
    ctx.session.flush()
    return get_post_for(ctx.session, ctx.viewer_id, post.id)


@router.post("/api/v1/statuses")
async def create(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        if p.raw("poll") is not None or p.str("poll[options][]") is not None:
            raise Invalid("Validation failed: Polls are not supported")
        if p.str("scheduled_at"):
            raise Invalid("Validation failed: Scheduled posts are not supported yet")
        data = posts.PostInput(
            text=p.str("status") or "",
            visibility=p.str("visibility"),
            in_reply_to_id=p.id("in_reply_to_id"),
            quoted_status_id=p.id("quoted_status_id"),
            sensitive=p.bool("sensitive"),
            spoiler_text=p.str("spoiler_text") or "",
            language=p.str("language"),
            idempotency_key=request.headers.get("idempotency-key"),
            app_id=ctx.credentials.app_id if ctx.credentials else None,
            media_ids=_media_ids(p.list("media_ids")),
        )
        post = posts.create_post(
            ctx.session, ctx.account, data, ctx.renderer, max_media=ctx.services.settings.max_media_attachments
        )
        return json_response(ctx.ser.status(_seen(ctx, post)))

    return await call(request, work, scope="write:statuses", limit_key="post")


@router.get("/api/v1/statuses")
async def show_many(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        ids = []
        for raw in ctx.params.list("id")[:40]:
            try:
                ids.append(parse_id(raw))
            except NotFound:
                continue
        return json_response(ctx.ser.statuses(visible_by_ids(ctx.session, ctx.viewer_id, ids, Context.DIRECT_LINK)))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/statuses/{status_id}")
async def show(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        return json_response(ctx.ser.status(get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id))))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.delete("/api/v1/statuses/{status_id}")
async def delete(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        post = posts.delete_post(ctx.session, ctx.account, parse_id(status_id))
        # The deleted post, with its source text, so clients can "delete and redraft".
        out = ctx.ser.status(_deleted_view(post))
        out["text"] = post.text
        return json_response(out)

    return await call(request, work, scope="write:statuses")


def _media_id(value: str) -> int:
    try:
        return parse_id(value)
    except NotFound as exc:
        raise Invalid("Validation failed: Media attachment %(ids)s not found", ids=value) from exc


def _media_ids(raw: list[str]) -> list[int]:
    # An empty form field means "no attachments".
    return [_media_id(value) for value in raw if value != ""]


def _sent(p: Params, name: str) -> bool:
    """Whether the request names ``name`` at all (an empty list clears it)."""
    return p.raw(name) is not None or p.raw(f"{name}[]") is not None or bool(p.list(name))


def _media_changes(p: Params) -> list[posts.MediaChange]:
    """``media_attributes[][id]``, ``[description]``, ``[focus]`` (form) or a JSON list."""
    raw = p.raw("media_attributes")
    items: list[dict[str, Any]] = []
    if isinstance(raw, list):
        items = [i for i in raw if isinstance(i, dict)]
    else:
        ids = p.list("media_attributes[][id]")
        descriptions = p.list("media_attributes[][description]")
        focuses = p.list("media_attributes[][focus]")
        for n, raw_id in enumerate(ids):
            items.append({
                "id": raw_id,
                "description": descriptions[n] if n < len(descriptions) else None,
                "focus": focuses[n] if n < len(focuses) else None,
            })
    out = []
    for item in items:
        media_id = _media_id(str(item.get("id") or ""))
        description = item.get("description")
        focus = item.get("focus")
        out.append(posts.MediaChange(
            media_id,
            None if description is None else str(description),
            None if focus is None else str(focus),
        ))
    return out


def _deleted_view(post: Post) -> Seen:
    return Seen(post, None, Verdict(Show.SHOWN, NONE))


@router.put("/api/v1/statuses/{status_id}")
async def edit(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        data = posts.PostEditInput(
            text=p.str("status") or "",
            spoiler_text=p.str("spoiler_text"),
            sensitive=p.bool("sensitive"),
            language=p.str("language"),
            media_ids=_media_ids(p.list("media_ids")) if _sent(p, "media_ids") else None,
            media_changes=_media_changes(p),
        )
        post = posts.edit_post(
            ctx.session, ctx.account, parse_id(status_id), data, ctx.renderer,
            max_media=ctx.services.settings.max_media_attachments,
        )
        return json_response(ctx.ser.status(_seen(ctx, post)))

    return await call(request, work, scope="write:statuses")


@router.get("/api/v1/statuses/{status_id}/history")
async def history(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        seen = get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id))
        post = seen.target
        author = ctx.ser.account(ctx.ser.load_accounts([post.account_id])[post.account_id])
        # A post never edited has one version: itself.
        versions: list[Any] = queries.history(ctx.session, post.id) or [post]
        # Earlier versions' attachments are not kept; the newest version has the post's.
        base = ctx.services.settings.base_url.rstrip("/")
        current = [media_json(base, m) for m in media.of_post(ctx.session, post.id)]
        out = [
            {
                "content": v.content_html,
                "spoiler_text": v.spoiler_text,
                "sensitive": v.sensitive,
                "created_at": iso(v.created_at),
                "account": author,
                "poll": None,
                "media_attachments": current if n == len(versions) - 1 else [],
                "emojis": [],
            }
            for n, v in enumerate(versions)
        ]
        return json_response(out)

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/statuses/{status_id}/source")
async def source(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        seen = get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id))
        if seen.post.account_id != ctx.account_id or seen.original is not None:
            raise NotFound("Record not found")
        return json_response(ctx.ser.status_source(seen.post))

    return await call(request, work, scope="read:statuses")


@router.get("/api/v1/statuses/{status_id}/context")
async def context(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        ancestors, descendants = posts.context_of(ctx.session, ctx.viewer_id, parse_id(status_id))
        both = ctx.ser.statuses(ancestors + descendants)
        return json_response({"ancestors": both[: len(ancestors)], "descendants": both[len(ancestors) :]})

    return await call(request, work, auth="optional", scope="read:statuses")


def _action(verb: str, scope: str) -> Callable[[Request, str], Awaitable[Response]]:
    fn = getattr(posts, verb)

    async def route(request: Request, status_id: str) -> Response:
        def work(ctx: Ctx) -> Response:
            if verb == "reblog":
                result = fn(ctx.session, ctx.account, parse_id(status_id), visibility=ctx.params.str("visibility") or "public")
            else:
                result = fn(ctx.session, ctx.account, parse_id(status_id))
            try:
                seen = _seen(ctx, result)
            except NotFound:
                if verb not in ("unfavourite", "unbookmark"):
                    raise
                # Undoing one's own favourite or bookmark of a post one can no longer
                # see answers with that post, as Mastodon does.
                seen = _deleted_view(result)
            return json_response(ctx.ser.status(seen))

        return await call(request, work, scope=scope)

    route.__name__ = verb
    return route


for _verb, _scope in (
    ("favourite", "write:favourites"),
    ("unfavourite", "write:favourites"),
    ("reblog", "write:statuses"),
    ("unreblog", "write:statuses"),
    ("bookmark", "write:bookmarks"),
    ("unbookmark", "write:bookmarks"),
    ("pin", "write:accounts"),
    ("unpin", "write:accounts"),
):
    router.add_api_route(f"/api/v1/statuses/{{status_id}}/{_verb}", _action(_verb, _scope), methods=["POST"])


@router.get("/api/v1/statuses/{status_id}/favourited_by")
async def favourited_by(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id)).target
        page = ctx.params.page(default=40, maximum=80)
        return ctx.paged_accounts(queries.favourited_by(ctx.session, target.id, page))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/statuses/{status_id}/reblogged_by")
async def reblogged_by(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id)).target
        page = ctx.params.page(default=40, maximum=80)
        return ctx.paged_accounts(queries.reblogged_by(ctx.session, target.id, page))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/statuses/{status_id}/quotes")
async def quotes(request: Request, status_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = get_post_for(ctx.session, ctx.viewer_id, parse_id(status_id)).target
        seen = queries.quotes_of(ctx.session, ctx.viewer_id, target.id, ctx.params.page())
        items = [Paged(s.post.id, s) for s in seen]
        return ctx.paged(items, ctx.ser.statuses(seen))

    return await call(request, work, auth="optional", scope="read:statuses")
