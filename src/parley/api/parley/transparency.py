"""Public transparency data (``/api/parley/v1/transparency``): statements of reasons, the
aggregate report and the public-interest notices in force. No token needed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.transparency import report, statements

router = APIRouter()


@router.get(
    "/api/parley/v1/transparency/statements",
    summary="Statements of reasons of all decisions, newest first",
    description=(
        "Each item holds the fields of the EU DSA transparency database (API v2) and a `parley` "
        "object (rule, actions, the named public-interest account or a private person's "
        "pseudonym). Paged with `max_id`, `since_id`, `min_id` and `limit` (up to 100) and a "
        "`Link` header, as Mastodon lists are."
    ),
)
async def list_statements(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        items = statements.statements_page(ctx.session, ctx.services.settings, ctx.params.page(maximum=100))
        return ctx.paged(items, [i.item for i in items])

    return await call(request, work, auth="none")


@router.get("/api/parley/v1/transparency/statements/{decision_id}", summary="One decision's statement of reasons")
async def show_statement(request: Request, decision_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        return json_response(statements.get_statement(ctx.session, ctx.services.settings, parse_id(decision_id)))

    return await call(request, work, auth="none")


@router.get(
    "/api/parley/v1/transparency/report",
    summary="The aggregate transparency report of a period",
    description=(
        "`from` and `to`: dates (YYYY-MM-DD, UTC, both included; either may be left out). "
        "Decisions per rule, action and source, the automated share, the median time from the "
        "first report to the decision, appeals and their outcomes, public-interest notices, and "
        "the consistency audits' agreement per rule. 422 for a date that cannot be read."
    ),
)
async def show_report(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        period = report.parse_period(ctx.params.str("from"), ctx.params.str("to"))
        return json_response(report.transparency_report(ctx.session, period))

    return await call(request, work, auth="none")


@router.get(
    "/api/parley/v1/transparency/notices",
    summary="Posts kept up behind the public-interest notice, now",
)
async def list_notices(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        return json_response(report.public_notices(ctx.session, ctx.services.settings))

    return await call(request, work, auth="none")
