"""Safety as people see it: the rules, the report form, and the decisions about oneself
with their statements of reasons and the appeal form. A restricted account's banner is
``templates/safety/_account_banner.html``, shown on every page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts.service import get_account
from parley.api.http import parse_id
from parley.errors import Invalid, NotFound
from parley.posts.access import get_post_for, visible_by_ids
from parley.safety import appeals, reports
from parley.safety.catalog import BASE_LANGUAGE, SEVERITIES, CatalogRule, published_rules
from parley.store.tables import Account
from parley.transparency import statements
from parley.visibility import Context
from parley.web.http import WebCtx, flash, page
from parley.web.i18n import lazy

router = APIRouter(include_in_schema=False)

# What a decision did, as the affected person and the public read it.
ACTIONS_DONE = {
    "label": lazy("Label added to the post"),
    "sensitive": lazy("Post marked sensitive"),
    "limit_reach": lazy("Reach of the post limited"),
    "public_interest_notice": lazy("Post kept up behind a public-interest notice"),
    "remove": lazy("Post removed"),
    "warn": lazy("Warning"),
    "read_only": lazy("Account read-only until the post is deleted"),
    "lock": lazy("Account locked for a time"),
    "suspend": lazy("Account suspended"),
}
SEVERITY_NAMES = {
    1: lazy("Low"),
    2: lazy("Moderate"),
    3: lazy("Serious"),
    4: lazy("Severe"),
    5: lazy("Critical"),
}
GROUP_NAMES = {"safety": lazy("Safety"), "privacy": lazy("Privacy"), "authenticity": lazy("Authenticity")}
OTHER = "other"  # the report form's choice for a problem no rule names
DONE = {"appealed": lazy("Your appeal was sent. A moderator other than the one who decided will review it.")}


def rule_text(rule: CatalogRule, language: str) -> tuple[str, str]:
    """A rule's title and description in ``language``, else in the catalog's base language."""
    title = rule.title.get(language) or rule.title[BASE_LANGUAGE]
    description = rule.description.get(language) or rule.description[BASE_LANGUAGE]
    return title, description


def rule_titles(rules: list[CatalogRule], language: str) -> dict[str, str]:
    return {rule.id: rule_text(rule, language)[0] for rule in rules}


def action_names(ctx: WebCtx, actions: list[str]) -> list[str]:
    return [ctx.t(ACTIONS_DONE[a]) if a in ACTIONS_DONE else a for a in actions]


# --- the rules ----------------------------------------------------------------------------


@router.get("/about/rules")
async def rules_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        groups: dict[str, dict[str, Any]] = {}
        for rule in published_rules(ctx.session):
            title, description = rule_text(rule, ctx.language)
            group = groups.setdefault(rule.group, {"name": ctx.t(GROUP_NAMES.get(rule.group, rule.group)), "rules": []})
            group["rules"].append(
                {
                    "id": rule.id,
                    "version": rule.version,
                    "title": title,
                    "description": description,
                    "severity": rule.severity,
                    "severity_name": ctx.t(SEVERITY_NAMES.get(rule.severity, SEVERITIES.get(rule.severity, ""))),
                    "public_interest_eligible": rule.public_interest_eligible,
                    "immediate_suspension": rule.immediate_suspension,
                }
            )
        return ctx.render("safety/rules.html", title=ctx.t("Rules"), section="rules", groups=list(groups.values()))

    return await page(request, work)


# --- reporting ----------------------------------------------------------------------------


def _report_form(ctx: WebCtx, values: dict[str, str], *, error: str | None = None, status: int = 200) -> Response:
    """The report form about the post ``values["post"]`` or the account ``values["account"]``."""
    post_value, account_value = values.get("post") or "", values.get("account") or ""
    shown = None
    if post_value:
        seen = get_post_for(ctx.session, ctx.viewer_id, parse_id(post_value))
        if seen.original is not None:
            seen = get_post_for(ctx.session, ctx.viewer_id, seen.original.id)
        shown = ctx.ser.status(seen)
        target = get_account(ctx.session, seen.post.account_id)
        post_value = str(seen.post.id)
    elif account_value:
        target = get_account(ctx.session, parse_id(account_value))
    else:
        raise NotFound("Page not found")
    rules = []
    for rule in published_rules(ctx.session):
        title, description = rule_text(rule, ctx.language)
        rules.append({"id": rule.id, "title": title, "description": description})
    return ctx.render(
        "safety/report.html",
        status,
        title=ctx.t("Report"),
        target=ctx.ser.account(target),
        status_entity=shown,
        post_id=post_value,
        account_id=str(target.id),
        rules=rules,
        other=OTHER,
        chosen=values.get("rule", ""),
        comment=values.get("comment", ""),
        max_comment=reports.MAX_COMMENT,
        error=error,
    )


@router.get("/report")
async def report_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        return _report_form(ctx, {"post": ctx.query("post") or "", "account": ctx.query("account") or ""})

    return await page(request, work, auth="required")


@router.post("/report")
async def report(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        chosen = form.get("rule", "")
        try:
            if not chosen:
                raise Invalid("Choose the rule it breaks, or “Something else”.")
            post_id = parse_id(form["post"]) if form.get("post") else None
            status_ids: tuple[int, ...] = ()
            if post_id is not None:
                # The report is about the post's author; reposts name their original.
                seen = get_post_for(ctx.session, ctx.viewer_id, post_id)
                target_post = seen.original or seen.post
                account_id, status_ids = target_post.account_id, (target_post.id,)
            else:
                account_id = parse_id(form.get("account") or "")
            data = reports.ReportInput(
                account_id=account_id,
                status_ids=status_ids,
                comment=(form.get("comment") or "").strip(),
                category=OTHER if chosen == OTHER else "violation",
                rule_ids=() if chosen == OTHER else (chosen,),
            )
            with ctx.session.begin_nested():
                reports.create_report(ctx.session, ctx.me, data)
        except Invalid as exc:
            return _report_form(ctx, form, error=ctx.error_text(exc), status=exc.status)
        return ctx.redirect("/report/sent")

    return await page(request, work, auth="required", limit_key="report")


@router.get("/report/sent")
async def report_sent(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        return ctx.render("safety/report_sent.html", title=ctx.t("Thank you for your report"))

    return await page(request, work, auth="required")


# --- decisions about oneself --------------------------------------------------------------


def _decisions_page(ctx: WebCtx, *, errors: dict[str, str] | None = None, texts: dict[str, str] | None = None, status: int = 200) -> Response:
    me: Account = ctx.me
    settings = ctx.services.settings
    own = appeals.decisions_for(ctx.session, settings, me)
    published = statements.public_statements(ctx.session, settings, [o.decision for o in own])
    rules = rule_titles(published_rules(ctx.session), ctx.language)
    # The posts as their author sees them now: removed, behind the notice, or as they were.
    post_ids = list(dict.fromkeys(o.decision.post_id for o in own if o.decision.post_id is not None))
    seen = visible_by_ids(ctx.session, me.id, post_ids, Context.DIRECT_LINK)  # deleted ones drop out
    posts = {entity["id"]: entity for entity in ctx.ser.statuses(seen)}
    items = []
    for o, statement in zip(own, published, strict=True):
        d = o.decision
        items.append(
            {
                "id": str(d.id),
                "created_at": d.created_at,
                "rule_id": d.rule_id,
                "rule_version": d.rule_version,
                "rule_title": rules.get(d.rule_id or "") or statement["parley"]["rule"]["title"],
                "actions": statements.actions_of(d),
                "action_names": action_names(ctx, statements.actions_of(d)),
                "ends_at": d.ends_at,
                "reverses_id": str(d.reverses_id) if d.reverses_id else None,
                "reversed_by_id": str(o.reversed_by_id) if o.reversed_by_id else None,
                "statement": statement,
                "post": posts.get(str(d.post_id)) if d.post_id else None,
                "post_text": o.post_text,
                "appeal": o.appeal,
                "appeal_deadline": o.appeal_deadline,
                "can_appeal": o.can_appeal,
                "error": (errors or {}).get(str(d.id)),
                "text": (texts or {}).get(str(d.id), ""),
            }
        )
    return ctx.render(
        "safety/decisions.html",
        status,
        title=ctx.t("Decisions about you"),
        heading=ctx.t("Decisions about you"),
        section="moderation",
        decisions=items,
        max_appeal=appeals.MAX_TEXT,
        flash=flash(ctx, DONE),
    )


@router.get("/settings/moderation")
async def decisions_page(request: Request) -> Response:
    return await page(request, _decisions_page, auth="required")


@router.post("/settings/moderation/{decision_id}/appeal")
async def appeal(request: Request, decision_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        text = ctx.form.get("text") or ""
        try:
            with ctx.session.begin_nested():
                appeals.appeal(ctx.session, ctx.services.settings, ctx.me, parse_id(decision_id), text)
        except Invalid as exc:
            return _decisions_page(ctx, errors={decision_id: ctx.error_text(exc)}, texts={decision_id: text}, status=exc.status)
        return ctx.redirect(f"/settings/moderation?done=appealed#decision-{decision_id}")

    return await page(request, work, auth="required")
