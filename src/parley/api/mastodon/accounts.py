"""``/api/v1/accounts``, follow requests, blocks and mutes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts import service as accounts
from parley.api.http import Ctx, call, json_response, parse_id
from parley.errors import NotFound
from parley.graph import service as graph
from parley.store.tables import Account
from parley.timelines import service as timelines

router = APIRouter()


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: Request) -> Response:
    return await call(
        request, lambda ctx: json_response(ctx.ser.credential_account(ctx.account)), scope="profile"
    )


@router.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        fields: list[tuple[str, str]] | None = None
        names = [k for k in range(8) if p.str(f"fields_attributes[{k}][name]") is not None]
        if names:
            fields = [
                (p.str(f"fields_attributes[{k}][name]") or "", p.str(f"fields_attributes[{k}][value]") or "")
                for k in names
            ]
        elif isinstance(p.raw("fields_attributes"), (list, dict)):
            raw = p.raw("fields_attributes")
            items = raw.values() if isinstance(raw, dict) else raw
            fields = [(str(f.get("name", "")), str(f.get("value", ""))) for f in items if isinstance(f, dict)]
        source = p.raw("source") if isinstance(p.raw("source"), dict) else {}

        def src(key: str) -> Any:
            value = p.raw(f"source[{key}]")
            return source.get(key) if value is None else value

        change = accounts.ProfileChange(
            display_name=p.str("display_name"),
            note=p.str("note"),
            locked=p.bool("locked"),
            bot=p.bool("bot"),
            discoverable=p.bool("discoverable"),
            fields=fields,
            default_visibility=_opt_str(src("privacy")),
            default_sensitive=None if src("sensitive") is None else str(src("sensitive")).lower() not in ("false", "0", "off", ""),
            default_language=_opt_str(src("language")),
        )
        account = accounts.update_profile(ctx.session, ctx.account, change)
        return json_response(ctx.ser.credential_account(account))

    return await call(request, work, scope="write:accounts")


@router.get("/api/v1/accounts/relationships")
async def relationships(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        ids = []
        for raw in ctx.params.list("id"):
            try:
                ids.append(parse_id(raw))
            except NotFound:
                continue
        known = ctx.ser.load_accounts(ids)
        return json_response(ctx.ser.relationships([i for i in ids if i in known]))

    return await call(request, work, scope="read:follows")


@router.get("/api/v1/accounts/lookup")
async def lookup(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        acct: str = ctx.params.required("acct")
        name, _, domain = acct.lstrip("@").partition("@")
        if domain and domain.lower() != ctx.services.settings.domain.lower():
            raise NotFound("Record not found")
        account = accounts.find_account(ctx.session, name)
        if account is None:
            raise NotFound("Record not found")
        return json_response(ctx.ser.account(account))

    return await call(request, work, auth="optional")


@router.get("/api/v1/accounts/search")
async def search(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        limit = max(1, min(p.int("limit", 40) or 40, 80))
        rows = accounts.search_accounts(
            ctx.session, p.required("q"), limit=limit, offset=p.int("offset", 0, minimum=0, maximum=10_000) or 0
        )
        return json_response([ctx.ser.account(a) for a in rows])

    return await call(request, work, scope="read:accounts")


@router.get("/api/v1/accounts/{account_id}")
async def show(request: Request, account_id: str) -> Response:
    return await call(request, lambda ctx: json_response(ctx.ser.account(ctx.target(account_id))), auth="optional")


@router.get("/api/v1/accounts/{account_id}/statuses")
async def statuses(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = ctx.target(account_id)
        p = ctx.params
        items = timelines.account_posts(
            ctx.session,
            ctx.viewer_id,
            target.id,
            p.page(),
            exclude_replies=bool(p.bool("exclude_replies", False)),
            exclude_reblogs=bool(p.bool("exclude_reblogs", False)),
            only_media=bool(p.bool("only_media", False)),
            pinned=bool(p.bool("pinned", False)),
            tagged=p.str("tagged"),
        )
        return ctx.paged(items, ctx.ser.statuses([i.item for i in items]))

    return await call(request, work, auth="optional", scope="read:statuses")


@router.get("/api/v1/accounts/{account_id}/followers")
async def followers(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = ctx.target(account_id)
        page = ctx.params.page(default=40, maximum=80)
        return ctx.paged_accounts(graph.followers_page(ctx.session, ctx.viewer_id, target.id, page))

    return await call(request, work, auth="optional", scope="read:accounts")


@router.get("/api/v1/accounts/{account_id}/following")
async def following(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = ctx.target(account_id)
        page = ctx.params.page(default=40, maximum=80)
        return ctx.paged_accounts(graph.following_page(ctx.session, ctx.viewer_id, target.id, page))

    return await call(request, work, auth="optional", scope="read:accounts")


def _relationship_after(ctx: Ctx, target_id: int) -> Response:
    ctx.session.flush()
    return json_response(ctx.ser.relationships([target_id])[0])


def _follow(ctx: Ctx, target: Account) -> None:
    p = ctx.params
    graph.follow(ctx.session, ctx.account, target, reblogs=p.bool("reblogs"), notify_posts=p.bool("notify"))


def _mute(ctx: Ctx, target: Account) -> None:
    p = ctx.params
    graph.mute(
        ctx.session,
        ctx.account,
        target,
        notifications=bool(p.bool("notifications", True)),
        duration=p.int("duration", 0, minimum=0) or 0,
    )


# path verb -> (what it does to the target, the scope it needs); each answers with the
# relationship as it is afterwards.
_RELATIONSHIP_ACTIONS: dict[str, tuple[Callable[[Ctx, Account], None], str]] = {
    "follow": (_follow, "write:follows"),
    "unfollow": (lambda ctx, t: graph.unfollow(ctx.session, ctx.account, t), "write:follows"),
    "remove_from_followers": (lambda ctx, t: graph.unfollow(ctx.session, t, ctx.account), "write:follows"),
    "block": (lambda ctx, t: graph.block(ctx.session, ctx.account, t), "write:blocks"),
    "unblock": (lambda ctx, t: graph.unblock(ctx.session, ctx.account, t), "write:blocks"),
    "mute": (_mute, "write:mutes"),
    "unmute": (lambda ctx, t: graph.unmute(ctx.session, ctx.account, t), "write:mutes"),
}


def _relationship_route(verb: str) -> Callable[[Request, str], Awaitable[Response]]:
    act, scope = _RELATIONSHIP_ACTIONS[verb]

    async def route(request: Request, account_id: str) -> Response:
        def work(ctx: Ctx) -> Response:
            target = ctx.target(account_id)
            act(ctx, target)
            return _relationship_after(ctx, target.id)

        return await call(request, work, scope=scope)

    route.__name__ = verb
    return route


for _verb in _RELATIONSHIP_ACTIONS:
    router.add_api_route(
        f"/api/v1/accounts/{{account_id}}/{_verb}", _relationship_route(_verb), methods=["POST"]
    )


@router.get("/api/v1/follow_requests")
async def follow_requests(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        return ctx.paged_accounts(graph.requests_page(ctx.session, ctx.account_id, ctx.params.page(default=40, maximum=80)))

    return await call(request, work, scope="read:follows")


@router.post("/api/v1/follow_requests/{account_id}/authorize")
async def authorize(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        requester = ctx.target(account_id)
        graph.authorize_request(ctx.session, ctx.account, requester.id)
        return _relationship_after(ctx, requester.id)

    return await call(request, work, scope="write:follows")


@router.post("/api/v1/follow_requests/{account_id}/reject")
async def reject(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        requester = ctx.target(account_id)
        graph.reject_request(ctx.session, ctx.account, requester.id)
        return _relationship_after(ctx, requester.id)

    return await call(request, work, scope="write:follows")


@router.get("/api/v1/blocks")
async def blocks(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        return ctx.paged_accounts(graph.blocks_page(ctx.session, ctx.account_id, ctx.params.page(default=40, maximum=80)))

    return await call(request, work, scope="read:blocks")


@router.get("/api/v1/mutes")
async def mutes(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        return ctx.paged_accounts(graph.mutes_page(ctx.session, ctx.account_id, ctx.params.page(default=40, maximum=80)))

    return await call(request, work, scope="read:mutes")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
