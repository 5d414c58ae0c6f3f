"""The public transparency pages: the report, every decision's statement of reasons with
its proof of inclusion in the log, the public-interest notices, and how to verify."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from parley.api.http import parse_id
from parley.errors import Invalid, NotFound, ParleyError
from parley.pagination import Page, Paged
from parley.transparency import charts, report, statements
from parley.web import i18n
from parley.web.http import WebCtx, page

router = APIRouter(include_in_schema=False)


ACTION_NAMES = {
    "label": i18n.lazy("Label"),
    "sensitive": i18n.lazy("Marked sensitive"),
    "limit_reach": i18n.lazy("Reach limited"),
    "public_interest_notice": i18n.lazy("Public-interest notice"),
    "remove": i18n.lazy("Post removed"),
    "warn": i18n.lazy("Warning"),
    "read_only": i18n.lazy("Read-only until the post is deleted"),
    "lock": i18n.lazy("Account locked for a time"),
    "suspend": i18n.lazy("Account suspended"),
}
SOURCE_NAMES = {
    "report": i18n.lazy("A person's report"),
    "detector": i18n.lazy("An automated flag"),
    "own_initiative": i18n.lazy("Moderators' own initiative"),
}
# The statement's fields in the order a reader wants them, with a plain name.
STATEMENT_FIELDS = (
    ("decision_visibility", i18n.lazy("Restriction of visibility")),
    ("decision_visibility_other", i18n.lazy("Other restriction")),
    ("end_date_visibility_restriction", i18n.lazy("Visibility restricted until")),
    ("decision_provision", i18n.lazy("Restriction of the service")),
    ("end_date_service_restriction", i18n.lazy("Service restricted until")),
    ("decision_account", i18n.lazy("Restriction of the account")),
    ("end_date_account_restriction", i18n.lazy("Account restricted until")),
    ("decision_ground", i18n.lazy("Ground")),
    ("incompatible_content_ground", i18n.lazy("Rule")),
    ("incompatible_content_explanation", i18n.lazy("Reasons")),
    ("decision_ground_reference_url", i18n.lazy("The rule's text")),
    ("decision_facts", i18n.lazy("Facts")),
    ("category", i18n.lazy("Category")),
    ("category_specification", i18n.lazy("Keywords")),
    ("content_type", i18n.lazy("Content type")),
    ("content_language", i18n.lazy("Language of the content")),
    ("content_date", i18n.lazy("Date of the content")),
    ("application_date", i18n.lazy("Date of the decision")),
    ("source_type", i18n.lazy("Source")),
    ("automated_detection", i18n.lazy("Found by automated means")),
    ("automated_decision", i18n.lazy("Decided by automated means")),
    ("territorial_scope", i18n.lazy("Territorial scope")),
    ("puid", i18n.lazy("Unique id")),
)


def _translated(names: dict[str, str]) -> dict[str, str]:
    """``names`` in the page's language (the names unknown to it stay as keys)."""
    return {key: i18n.gettext(name) for key, name in names.items()}


def _public(ctx: WebCtx, name: str, title: str, status: int = 200, **context: Any) -> Response:
    action_names, source_names = _translated(ACTION_NAMES), _translated(SOURCE_NAMES)
    return ctx.render(name, status, title=title, action_names=action_names, source_names=source_names, **context)


def _percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value, "#,##0.0%", locale=i18n.current())


def _decimal(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.00", locale=i18n.current())


def _median(time_to_decision: dict[str, Any]) -> str:
    """The median hours from first report to decision, and over how many decisions."""
    decisions = time_to_decision["decisions_after_reports"]
    return i18n.ngettext(
        "%(hours)s hours (over %(num)s decision)",
        "%(hours)s hours (over %(num)s decisions)",
        decisions,
        hours=format_decimal(time_to_decision["median_hours"], "#,##0.0#", locale=i18n.current()),
        num=i18n.format_number(decisions),
    )


def _report_charts(data: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts, in the page's language: SVG escaped by
    ``parley.transparency.charts``, safe to embed."""
    action_names, source_names = _translated(ACTION_NAMES), _translated(SOURCE_NAMES)
    rules = [(data["rules"].get(r, r), n) for r, n in data["by_rule"].items()]
    actions = [(action_names.get(a, a), n) for a, n in data["by_action"].items()]
    sources = [(source_names.get(s, s), n) for s, n in data["by_source"].items()]
    auto = data["automated"]
    empty = i18n.gettext("No data for this period.")
    return {
        "rules": Markup(charts.bar_chart("chart-rules", i18n.gettext("Decisions per rule"), rules, empty=empty)),
        "actions": Markup(
            charts.bar_chart(
                "chart-actions", i18n.gettext("Decisions per action"), actions if data["decisions"] else [], empty=empty
            )
        ),
        "sources": Markup(
            charts.bar_chart(
                "chart-sources", i18n.gettext("Decisions per source"), sources if data["decisions"] else [], empty=empty
            )
        ),
        "automated": Markup(
            charts.share_chart(
                "chart-automated",
                i18n.gettext("Decisions found by automated means"),
                auto["detection"],
                data["decisions"],
                i18n.gettext("Found by automated means"),
                i18n.gettext("Found by people"),
                empty=empty,
                summary=i18n.gettext(
                    "%(part_label)s: %(part)s of %(whole)s (%(pct)s%%); %(rest_label)s: %(rest)s (%(rest_pct)s%%)"
                ),
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
            "median": _median,
            "json_url": "/api/parley/v1/transparency/report" + (f"?{query}" if query else ""),
        }
        template = "transparency/report.html"
        try:
            period = report.parse_period(start, end)
        except Invalid as exc:
            return _public(ctx, template, i18n.gettext("Transparency report"), 400, error=i18n.error_text(exc), report=None, **context)
        data = report.transparency_report(ctx.session, period)
        return _public(ctx, template, i18n.gettext("Transparency report"), report=data, charts=_report_charts(data), error=None, **context)

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
            i18n.gettext("Decisions"),
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
            return _public(ctx, "transparency/not_found.html", i18n.gettext("Not found"), 404, section="decisions")
        proof = report.log_proof(ctx.session, settings, wanted)
        # Shown as logged, so the page matches the proof; what Parley publishes now may differ.
        shown = proof.statement if proof is not None and proof.statement else live
        return _public(
            ctx,
            "transparency/decision.html",
            i18n.gettext("Statement of reasons %(puid)s", puid=shown.get("puid", "")),
            section="decisions",
            statement=shown,
            proof=proof,
            logged_differs=proof is not None and proof.statement != live,
            fields=[(field, i18n.gettext(label)) for field, label in STATEMENT_FIELDS],
        )

    return await page(request, work)


@router.get("/transparency/notices")
async def transparency_notices_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        notices = report.public_notices(ctx.session, ctx.services.settings)
        return _public(ctx, "transparency/notices.html", i18n.gettext("Public-interest notices"), section="notices", notices=notices)

    return await page(request, work)


@router.get("/transparency/verify")
async def transparency_verify_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        base = ctx.services.settings.base_url
        return _public(ctx, "transparency/verify.html", i18n.gettext("How to verify"), section="verify", base_url=base)

    return await page(request, work)
