"""``/api/v1/notifications`` and ``/api/v1/markers``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import iso
from parley.api.parley.decisions import account_warning
from parley.notifications import service as notes
from parley.pagination import Page, Paged
from parley.store.tables import Decision

router = APIRouter()


def _filter(ctx: Ctx) -> notes.Filter:
    p = ctx.params
    account_id = p.str("account_id")
    return notes.Filter(
        types=tuple(p.list("types")),
        exclude_types=tuple(p.list("exclude_types")),
        from_account_id=parse_id(account_id) if account_id else None,
    )


def _page(ctx: Ctx, page: Page, which: notes.Filter = notes.EVERYTHING) -> tuple[list[Paged[Any]], list[dict]]:
    items = notes.notifications_for(ctx.session, ctx.account_id, page, which)
    seen = [s for i in items if (s := i.item[1]) is not None]
    statuses = {s.post.id: data for s, data in zip(seen, ctx.ser.statuses(seen), strict=True)}
    accounts = ctx.ser.load_accounts(i.item[0].from_account_id for i in items)
    kept = [i for i in items if i.item[0].from_account_id in accounts]
    data = [ctx.ser.notification(i.item[0], accounts, statuses) for i in kept]
    for i, d in zip(kept, data, strict=True):
        n = i.item[0]
        if n.type == "moderation_warning" and n.decision_id is not None:
            decision = ctx.session.get(Decision, n.decision_id)
            if decision is not None:
                d["moderation_warning"] = account_warning(ctx, decision)
    return items, data


@router.get("/api/v1/notifications")
async def index(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        items, data = _page(ctx, ctx.params.page(default=40, maximum=80), _filter(ctx))
        return ctx.paged(items, data)

    return await call(request, work, scope="read:notifications")


@router.get("/api/v1/notifications/unread_count")
async def unread_count(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        limit = max(1, min(ctx.params.int("limit", 100) or 100, 1000))
        count = notes.unread_count(ctx.session, ctx.account_id, limit=limit, which=_filter(ctx))
        return json_response({"count": count})

    return await call(request, work, scope="read:notifications")


@router.post("/api/v1/notifications/clear")
async def clear(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        notes.clear(ctx.session, ctx.account_id)
        return json_response({})

    return await call(request, work, scope="write:notifications")


@router.get("/api/v1/notifications/{notification_id}")
async def show(request: Request, notification_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        n = notes.get_notification(ctx.session, ctx.account_id, parse_id(notification_id))
        items, data = _page(ctx, Page(max_id=n.id + 1, limit=1), notes.Filter(from_account_id=n.from_account_id))
        if not items or items[0].item[0].id != n.id:
            from parley.errors import NotFound

            raise NotFound("Record not found")
        return json_response(data[0])

    return await call(request, work, scope="read:notifications")


@router.post("/api/v1/notifications/{notification_id}/dismiss")
async def dismiss(request: Request, notification_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        notes.dismiss(ctx.session, ctx.account_id, parse_id(notification_id))
        return json_response({})

    return await call(request, work, scope="write:notifications")


@router.get("/api/v1/markers")
async def markers(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        wanted = ctx.params.list("timeline") or ["home", "notifications"]
        rows = notes.markers(ctx.session, ctx.account_id, wanted)
        return json_response(
            {
                m.timeline: {"last_read_id": str(m.last_read_id), "version": m.version, "updated_at": iso(m.updated_at)}
                for m in rows
            }
        )

    return await call(request, work, scope="read:statuses")


@router.post("/api/v1/markers")
async def save_markers(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        out = {}
        for timeline in ("home", "notifications"):
            raw = ctx.params.str(f"{timeline}[last_read_id]")
            if raw is None and isinstance(ctx.params.raw(timeline), dict):
                raw = str(ctx.params.raw(timeline).get("last_read_id", ""))
            if not raw:
                continue
            marker = notes.save_marker(ctx.session, ctx.account_id, timeline, parse_id(raw))
            out[timeline] = {
                "last_read_id": str(marker.last_read_id),
                "version": marker.version,
                "updated_at": iso(marker.updated_at),
            }
        return json_response(out)

    return await call(request, work, scope="write:statuses")
