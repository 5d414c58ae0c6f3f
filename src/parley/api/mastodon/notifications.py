"""``/api/v1/notifications`` and ``/api/v1/markers``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import iso
from parley.api.parley.decisions import account_warning
from parley.errors import NotFound
from parley.notifications import service as notes
from parley.store.tables import Decision, Marker

router = APIRouter()


def _marker(m: Marker) -> dict:
    return {"last_read_id": str(m.last_read_id), "version": m.version, "updated_at": iso(m.updated_at)}


def _filter(ctx: Ctx) -> notes.Filter:
    p = ctx.params
    account_id = p.str("account_id")
    return notes.Filter(
        types=tuple(p.list("types")),
        exclude_types=tuple(p.list("exclude_types")),
        from_account_id=parse_id(account_id) if account_id else None,
    )


def _render(ctx: Ctx, shown: list[notes.Shown]) -> list[dict]:
    """Notification entities, leaving out any whose sender cannot be loaded."""
    seen = [s for _, s in shown if s is not None]
    statuses = {s.post.id: data for s, data in zip(seen, ctx.ser.statuses(seen), strict=True)}
    accounts = ctx.ser.load_accounts(n.from_account_id for n, _ in shown)
    out = []
    for n, _ in shown:
        if n.from_account_id not in accounts:
            continue
        data = ctx.ser.notification(n, accounts, statuses)
        if n.type == "moderation_warning" and n.decision_id is not None:
            decision = ctx.session.get(Decision, n.decision_id)
            if decision is not None:
                data["moderation_warning"] = account_warning(ctx, decision)
        out.append(data)
    return out


@router.get("/api/v1/notifications")
async def index(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        items = notes.notifications_for(ctx.session, ctx.account_id, ctx.params.page(default=40, maximum=80), _filter(ctx))
        return ctx.paged(items, _render(ctx, [i.item for i in items]))

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
        data = _render(ctx, [notes.get_notification_for(ctx.session, ctx.account_id, parse_id(notification_id))])
        if not data:
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
        return json_response({m.timeline: _marker(m) for m in notes.markers(ctx.session, ctx.account_id, wanted)})

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
            out[timeline] = _marker(notes.save_marker(ctx.session, ctx.account_id, timeline, parse_id(raw)))
        return json_response(out)

    return await call(request, work, scope="write:statuses")
