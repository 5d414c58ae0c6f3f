"""Web page: search for people, hashtags and posts (what ``GET /api/v2/search`` finds)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts.service import search_accounts
from parley.posts.access import visible_by_ids
from parley.search.fulltext import search_post_ids, search_tags
from parley.visibility import Context
from parley.web.http import WebCtx, page, with_query

router = APIRouter(include_in_schema=False)

TYPES = ("accounts", "hashtags", "statuses")
MAX_QUERY = 200
PER_PAGE = 20
# The "All" tab shows the first few of each kind, with a link to see more.
PREVIEW = {"accounts": 5, "hashtags": 8, "statuses": 10}


def _offset(ctx: WebCtx) -> int:
    """Offset paging of people and hashtags; like the API, only for signed-in people."""
    if ctx.viewer is None:
        return 0
    try:
        return max(0, min(int(ctx.query("offset") or 0), 10_000))
    except ValueError:
        return 0


@router.get("/search")
async def search_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        q = (ctx.query("q") or "").strip()[:MAX_QUERY]
        kind = ctx.query("type") or ""
        if kind not in TYPES:
            kind = ""
        result: dict[str, Any] = {"accounts": [], "hashtags": [], "statuses": []}
        more: dict[str, str | None] = {}
        older_url = newer_url = None
        rels: dict[str, dict[str, Any]] = {}
        if q:
            base = f"/search?{_q(q)}"
            # A handle of another server finds no one here (all accounts are local).
            _, _, domain = q.lstrip("@").partition("@")
            foreign = bool(domain) and domain.lower() != ctx.services.settings.domain.lower()
            offset = _offset(ctx) if kind in ("accounts", "hashtags") else 0
            limit = PER_PAGE if kind else 0
            if kind in ("", "accounts") and not foreign:
                n = limit or PREVIEW["accounts"]
                found = search_accounts(ctx.session, q, limit=n, offset=offset)
                result["accounts"] = [ctx.ser.account(a) for a in found]
                if ctx.viewer is not None:
                    rels = {r["id"]: r for r in ctx.ser.relationships([a.id for a in found])}
                more["accounts"] = _more(ctx, base, "accounts", kind, len(found), n, offset)
            if kind in ("", "hashtags"):
                n = limit or PREVIEW["hashtags"]
                tags = search_tags(ctx.session, q, limit=n, offset=offset)
                result["hashtags"] = [t.name for t in tags]
                more["hashtags"] = _more(ctx, base, "hashtags", kind, len(tags), n, offset)
            if kind in ("", "statuses"):
                n = limit or PREVIEW["statuses"]
                max_id = _id(ctx.query("max_id")) if kind else None
                ids = search_post_ids(ctx.session, q, limit=n, max_id=max_id)
                result["statuses"] = ctx.ser.statuses(visible_by_ids(ctx.session, ctx.viewer_id, ids, Context.SEARCH))
                full = len(ids) >= n
                if kind:
                    older_url = with_query(base + "&type=statuses", max_id=ids[-1]) if full else None
                    newer_url = None
                else:
                    more["statuses"] = base + "&type=statuses" if full else None
            if kind in ("accounts", "hashtags"):
                older_url = more.pop(kind, None)
                if offset:
                    newer_url = with_query(f"{base}&type={kind}", offset=max(0, offset - PER_PAGE))
        title = ctx.t("Search: %(q)s", q=q) if q else ctx.t("Search")
        return ctx.render(
            "search/index.html",
            title=title,
            q=q,
            kind=kind,
            result=result,
            rels=rels,
            more=more,
            older_url=older_url,
            newer_url=newer_url,
            nothing=bool(q) and not kind and not any(result.values()),
            tab_url=lambda k: f"/search?{_q(q)}" + (f"&type={k}" if k else ""),
        )

    return await page(request, work)


def _q(q: str) -> str:
    return urlencode({"q": q})


def _id(value: str | None) -> int | None:
    try:
        n = int(value or "")
    except ValueError:
        return None
    return n if 0 < n < 2**63 else None


def _more(ctx: WebCtx, base: str, kind: str, current: str, found: int, limit: int, offset: int) -> str | None:
    """The link to more results of ``kind``: its tab from "All", the next page on its tab
    (for signed-in people only: the API pages searches for them alone)."""
    if found < limit:
        return None
    if not current:
        return f"{base}&type={kind}"
    if ctx.viewer is None:
        return None
    return with_query(f"{base}&type={kind}", offset=offset + limit)
