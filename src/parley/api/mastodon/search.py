"""``GET /api/v2/search`` (and the v1 alias): accounts, hashtags and posts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts.service import find_account, search_accounts
from parley.api.http import Ctx, call, json_response
from parley.errors import Invalid, Unauthorized
from parley.posts.access import visible_by_ids
from parley.search.fulltext import search_post_ids, search_tags
from parley.visibility import Context

router = APIRouter()


@router.get("/api/v2/search")
async def search(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        q = (p.str("q") or "").strip()
        kind = p.str("type")
        if kind not in (None, "", "accounts", "hashtags", "statuses"):
            raise Invalid("type must be accounts, hashtags or statuses")
        limit = max(1, min(p.int("limit", 20) or 20, 40))
        offset = p.int("offset", 0, minimum=0, maximum=10_000) or 0
        if (offset or p.bool("resolve", False)) and ctx.viewer_id is None:
            raise Unauthorized("Search queries pagination is not supported without authentication")
        result: dict = {"accounts": [], "statuses": [], "hashtags": []}
        if not q:
            return json_response(result)
        _, _, domain = q.lstrip("@").partition("@")
        foreign = bool(domain) and domain.lower() != ctx.services.settings.domain.lower()
        if kind in (None, "", "accounts") and not foreign:
            accounts = search_accounts(ctx.session, q, limit=limit, offset=offset)
            if p.bool("resolve", False) and not accounts:
                exact = find_account(ctx.session, q)
                accounts = [exact] if exact else []
            result["accounts"] = [ctx.ser.account(a) for a in accounts]
        if kind in (None, "", "hashtags"):
            tags = search_tags(ctx.session, q, limit=limit, offset=offset)
            result["hashtags"] = [ctx.ser.tag(t) for t in tags]
        if kind in (None, "", "statuses"):
            ids = search_post_ids(
                ctx.session,
                q,
                limit=limit,
                offset=offset,
                max_id=p.id("max_id"),
                min_id=p.id("min_id"),
                account_id=p.id("account_id"),
            )
            result["statuses"] = ctx.ser.statuses(visible_by_ids(ctx.session, ctx.viewer_id, ids, Context.SEARCH))
        return json_response(result)

    return await call(request, work, auth="optional", scope="read:search")
