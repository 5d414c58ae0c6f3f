"""Web pages: notifications (all, or mentions only), marked read when seen; clearing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.mastodon.entities import iso
from parley.errors import NotFound
from parley.notifications import service as notes
from parley.transparency.statements import get_statement
from parley.web import profiles
from parley.web.http import WebCtx, flash, page, pager
from parley.web.i18n import lazy
from parley.web.transparency import ACTION_NAMES

router = APIRouter(include_in_schema=False)

PER_PAGE = 30
MENTIONS = notes.Filter(types=("mention",))

# What happened, after the name of who did it. Translated where shown.
WHAT = {
    "mention": lazy("mentioned you"),
    "status": lazy("posted"),
    "reblog": lazy("reposted your post"),
    "favourite": lazy("liked your post"),
    "follow": lazy("followed you"),
    "follow_request": lazy("requested to follow you"),
    "update": lazy("edited a post"),
    "quote": lazy("quoted your post"),
    "quoted_update": lazy("edited a post you quoted"),
    "poll": lazy("ended a poll you voted in"),
    "admin.sign_up": lazy("signed up"),
    "admin.report": lazy("filed a report"),
    "severed_relationships": lazy("is no longer connected with you"),
}
SOMETHING = lazy("sent you a notification")  # a kind this page does not know yet
ICONS = {
    "mention": "@", "status": "◉", "reblog": "⟳", "favourite": "♥", "follow": "+", "follow_request": "+",
    "update": "✎", "quote": "❝", "quoted_update": "✎", "poll": "▤", "admin.sign_up": "+", "admin.report": "⚑",
    "moderation_warning": "⚖",
}
# Likes and reposts of one post on a page are shown as one entry: "Ann and 2 others".
GROUPED = ("favourite", "reblog")

FLASHES = {**profiles.FLASHES, "cleared": lazy("Your notifications were cleared.")}


@dataclass
class Entry:
    """One entry of the page: a notification, or several likes or reposts of one post."""

    id: int
    type: str
    created_at: datetime
    unread: bool
    accounts: list[dict[str, Any]] = field(default_factory=list)
    status: dict[str, Any] | None = None
    show_post: bool = True  # False when the same post is already shown higher up
    warning: dict[str, Any] | None = None

    @property
    def created_iso(self) -> str | None:
        return iso(self.created_at)


def _warning(ctx: WebCtx, decision_id: int | None) -> dict[str, Any] | None:
    """What a moderation warning tells its reader: the rule, the actions, the reasons,
    and where the statement of reasons is published."""
    if decision_id is None:
        return None
    try:
        statement = get_statement(ctx.session, ctx.services.settings, decision_id)
    except NotFound:
        return None
    extension = statement.get("parley", {})
    return {
        "url": f"/transparency/decisions/{decision_id}",
        "decision_id": str(decision_id),
        "rule": extension.get("rule", {}).get("title", ""),
        "rule_id": extension.get("rule", {}).get("id"),
        "actions": [ctx.t(ACTION_NAMES.get(a, a)) for a in extension.get("actions", [])],
        "reasons": statement.get("incompatible_content_explanation", ""),
        "reversal": bool(extension.get("reverses")),
    }


def _entries(ctx: WebCtx, shown: list[notes.Shown], last_read: int) -> list[Entry]:
    seen = [s for _, s in shown if s is not None]
    statuses = {s.post.id: data for s, data in zip(seen, ctx.ser.statuses(seen), strict=True)}
    people = ctx.ser.load_accounts(n.from_account_id for n, _ in shown)
    entities = {i: ctx.ser.account(a) for i, a in people.items()}
    out: list[Entry] = []
    groups: dict[tuple[str, int], Entry] = {}
    posts_shown: set[int] = set()
    for n, _ in shown:
        who = entities.get(n.from_account_id)
        if who is None:
            continue
        key = (n.type, n.post_id or 0)
        if n.type in GROUPED and key in groups:
            entry = groups[key]
            if who not in entry.accounts:
                entry.accounts.append(who)
            entry.unread = entry.unread or n.id > last_read
            continue
        entry = Entry(n.id, n.type, n.created_at, n.id > last_read, [who], statuses.get(n.post_id) if n.post_id else None)
        if n.type == "moderation_warning":
            entry.warning = _warning(ctx, n.decision_id)
        if n.post_id is not None:
            # A post appears once per page: the page's ids and anchors stay unique.
            entry.show_post = n.post_id not in posts_shown
            posts_shown.add(n.post_id)
        if n.type in GROUPED:
            groups[key] = entry
        out.append(entry)
    return out


def _list(tab: str) -> Any:
    def work(ctx: WebCtx) -> Response:
        me = ctx.me
        wanted = ctx.page(PER_PAGE)
        which = MENTIONS if tab == "mentions" else notes.EVERYTHING
        marker = notes.markers(ctx.session, me.id, ["notifications"])
        last_read = marker[0].last_read_id if marker else 0
        unread = ctx.unread_notifications()
        items = notes.notifications_for(ctx.session, me.id, wanted, which)
        entries = _entries(ctx, [i.item for i in items], last_read)
        first_page = wanted.max_id is None and wanted.min_id is None
        if tab == "all" and first_page and items and items[0].cursor > last_read:
            # Seeing the newest notifications reads them.
            notes.save_marker(ctx.session, me.id, "notifications", items[0].cursor)
            ctx.notifications_read()
        path = "/notifications/mentions" if tab == "mentions" else "/notifications"
        older, newer = pager(path, items, wanted)
        requests = 0
        if me.locked:
            requests = int(ctx.ser.credential_account(me)["source"]["follow_requests_count"])
        return ctx.render(
            "notifications/index.html",
            tab=tab,
            entries=entries,
            unread=unread,
            what=WHAT,
            something=SOMETHING,
            icons=ICONS,
            older_url=older,
            newer_url=newer,
            requests_count=requests,
            flash=flash(ctx, FLASHES),
        )

    return work


@router.get("/notifications")
async def notifications_page(request: Request) -> Response:
    tab = "mentions" if request.query_params.get("type") == "mention" else "all"
    return await page(request, _list(tab), auth="required", write=True)


@router.get("/notifications/mentions")
async def mentions_page(request: Request) -> Response:
    return await page(request, _list("mentions"), auth="required")


@router.post("/notifications/clear")
async def clear(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        notes.clear(ctx.session, ctx.me.id)
        return ctx.redirect("/notifications?done=cleared")

    return await page(request, work, auth="required")
