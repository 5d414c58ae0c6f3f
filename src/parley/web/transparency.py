"""The public transparency pages: the report, every decision's statement of reasons with
its proof of inclusion in the log, the public-interest notices, and how to verify."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from parley.api.http import parse_id
from parley.errors import Invalid, NotFound, ParleyError
from parley.pagination import Page, Paged
from parley.transparency import charts, report, statements
from parley.web.http import WebCtx, page

router = APIRouter(include_in_schema=False)


ACTION_NAMES = {
    "label": "Label",
    "sensitive": "Marked sensitive",
    "limit_reach": "Reach limited",
    "public_interest_notice": "Public-interest notice",
    "remove": "Post removed",
    "warn": "Warning",
    "read_only": "Read-only until the post is deleted",
    "lock": "Account locked for a time",
    "suspend": "Account suspended",
}
SOURCE_NAMES = {
    "report": "A person's report",
    "detector": "An automated flag",
    "own_initiative": "Moderators' own initiative",
}
# The statement's fields in the order a reader wants them, with a plain name.
STATEMENT_FIELDS = (
    ("decision_visibility", "Restriction of visibility"),
    ("decision_visibility_other", "Other restriction"),
    ("end_date_visibility_restriction", "Visibility restricted until"),
    ("decision_provision", "Restriction of the service"),
    ("end_date_service_restriction", "Service restricted until"),
    ("decision_account", "Restriction of the account"),
    ("end_date_account_restriction", "Account restricted until"),
    ("decision_ground", "Ground"),
    ("incompatible_content_ground", "Rule"),
    ("incompatible_content_explanation", "Reasons"),
    ("decision_ground_reference_url", "The rule's text"),
    ("decision_facts", "Facts"),
    ("category", "Category"),
    ("category_specification", "Keywords"),
    ("content_type", "Content type"),
    ("content_language", "Language of the content"),
    ("content_date", "Date of the content"),
    ("application_date", "Date of the decision"),
    ("source_type", "Source"),
    ("automated_detection", "Found by automated means"),
    ("automated_decision", "Decided by automated means"),
    ("territorial_scope", "Territorial scope"),
    ("puid", "Unique id"),
)


def _public(ctx: WebCtx, name: str, title: str, status: int = 200, **context: Any) -> Response:
    return ctx.render(name, status, title=title, action_names=ACTION_NAMES, source_names=SOURCE_NAMES, **context)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _report_charts(data: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts: SVG escaped by ``parley.transparency.charts``, safe to embed."""
    rules = [(data["rules"].get(r, r), n) for r, n in data["by_rule"].items()]
    actions = [(ACTION_NAMES.get(a, a), n) for a, n in data["by_action"].items()]
    sources = [(SOURCE_NAMES.get(s, s), n) for s, n in data["by_source"].items()]
    auto = data["automated"]
    return {
        "rules": Markup(charts.bar_chart("chart-rules", "Decisions per rule", rules)),
        "actions": Markup(charts.bar_chart("chart-actions", "Decisions per action", actions if data["decisions"] else [])),
        "sources": Markup(charts.bar_chart("chart-sources", "Decisions per source", sources if data["decisions"] else [])),
        "automated": Markup(
            charts.share_chart(
                "chart-automated", "Decisions found by automated means", auto["detection"], data["decisions"],
                "Found by automated means", "Found by people",
            )
        ),
    }


@router.get("/transparency")
async def transparency_report_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        start, end = ctx.query("from"), ctx.query("to")
        query = urlencode({k: v for k, v in (("from", start), ("to", end)) if v})
        context: dict[str, Any] = {
            "section": "report",
            "period_from": start or "",
            "period_to": end or "",
            "percent": _percent,
            "decimal": _decimal,
            "json_url": "/api/parley/v1/transparency/report" + (f"?{query}" if query else ""),
        }
        template = "transparency/report.html"
        try:
            period = report.parse_period(start, end)
        except Invalid as exc:
            return _public(ctx, template, ctx.t("Transparency report"), 400, error=ctx.t(exc.message), report=None, **context)
        data = report.transparency_report(ctx.session, period)
        return _public(ctx, template, ctx.t("Transparency report"), report=data, charts=_report_charts(data), error=None, **context)

    return await page(request, work)


@router.get("/transparency/decisions")
async def transparency_decisions_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        try:
            wanted = Page.parse(ctx.query("max_id"), None, None, 20)
        except ParleyError:
            wanted = Page(limit=20)
        items: list[Paged[dict[str, Any]]] = statements.statements_page(ctx.session, ctx.services.settings, wanted)
        return _public(
            ctx,
            "transparency/decisions.html",
            ctx.t("Decisions"),
            section="decisions",
            statements=[i.item for i in items],
            max_id=wanted.max_id,
            next_max_id=items[-1].cursor if len(items) == wanted.limit else None,
        )

    return await page(request, work)


@router.get("/transparency/decisions/{decision_id}")
async def transparency_decision_page(request: Request, decision_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        settings = ctx.services.settings
        try:
            wanted = parse_id(decision_id)
            live = statements.get_statement(ctx.session, settings, wanted)
        except NotFound:
            return _public(ctx, "transparency/not_found.html", ctx.t("Not found"), 404, section="decisions")
        proof = report.log_proof(ctx.session, settings, wanted)
        # Shown as logged, so the page matches the proof; what Parley publishes now may differ.
        shown = proof.statement if proof is not None and proof.statement else live
        return _public(
            ctx,
            "transparency/decision.html",
            ctx.t("Statement of reasons %(puid)s", puid=shown.get("puid", "")),
            section="decisions",
            statement=shown,
            proof=proof,
            logged_differs=proof is not None and proof.statement != live,
            fields=STATEMENT_FIELDS,
        )

    return await page(request, work)


@router.get("/transparency/notices")
async def transparency_notices_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        notices = report.public_notices(ctx.session, ctx.services.settings)
        return _public(ctx, "transparency/notices.html", ctx.t("Public-interest notices"), section="notices", notices=notices)

    return await page(request, work)


@router.get("/transparency/verify")
async def transparency_verify_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        base = ctx.services.settings.base_url
        return _public(ctx, "transparency/verify.html", ctx.t("How to verify"), section="verify", base_url=base)

    return await page(request, work)
