"""The moderator console's reviews: appeals (decided by a moderator other than the one
who decided), the blind second reviews of the consistency audit, and the public-interest
designations. Moderators and admins only."""

from __future__ import annotations

import json
from typing import Any, cast

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts.service import find_account, get_account
from parley.api.http import parse_id
from parley.errors import Invalid, NotFound, ParleyError
from parley.safety import appeals, audits, console, public_office
from parley.safety.catalog import published_rules
from parley.safety.policy import ACTIONS
from parley.transparency import statements
from parley.web.http import WebCtx, page
from parley.web.moderation import ACTION_CHOICES, _console, _people, _reviewed
from parley.web.safety import action_names, rule_titles

router = APIRouter(include_in_schema=False)

@router.get("/moderation/appeals")
async def appeals_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        found = appeals.pending_for(ctx.session, ctx.me)
        people = _people(ctx, [d.account_id for _, d in found])
        titles = rule_titles(published_rules(ctx.session), ctx.language)
        rows = [
            {
                "id": str(a.id),
                "account": ctx.ser.account(people[d.account_id]) if d.account_id in people else None,
                "rule": titles.get(d.rule_id or "", d.rule_id),
                "actions": action_names(ctx, statements.actions_of(d)),
                "decided_at": d.created_at,
                "appealed_at": a.created_at,
            }
            for a, d in found
        ]
        return _console(ctx, "appeals.html", "appeals", ctx.t("Appeals"), rows=rows)

    return await page(request, work, auth="moderator")


def _appeal_page(ctx: WebCtx, appeal_id: int, *, error: str | None = None, reasons: str = "", status: int = 200) -> Response:
    row, decision = appeals.access_appeal(ctx.session, ctx.me, appeal_id)
    statement = statements.public_statements(ctx.session, ctx.services.settings, [decision])[0]
    people = _people(ctx, [decision.account_id, decision.moderator_id, row.resolver_id])
    posts = _reviewed(ctx, console.posts_for_review(ctx.session, ctx.me, [decision.post_id] if decision.post_id else []))
    titles = rule_titles(published_rules(ctx.session), ctx.language)
    moderator = people.get(decision.moderator_id) if decision.moderator_id else None
    resolver = people.get(row.resolver_id) if row.resolver_id else None
    return _console(
        ctx,
        "appeal.html",
        "appeals",
        ctx.t("Appeal against decision %(id)s", id=decision.id),
        status,
        appeal=row,
        decision=decision,
        account=ctx.ser.account(people[decision.account_id]),
        decided_by=moderator.username if moderator is not None else None,
        resolved_by=resolver.username if resolver is not None else None,
        rule=titles.get(decision.rule_id or "", decision.rule_id),
        actions=action_names(ctx, statements.actions_of(decision)),
        statement=statement,
        review_posts=posts,
        error=error,
        reasons=reasons,
    )


@router.get("/moderation/appeals/{appeal_id}")
async def appeal_page(request: Request, appeal_id: str) -> Response:
    return await page(request, lambda ctx: _appeal_page(ctx, parse_id(appeal_id)), auth="moderator")


@router.post("/moderation/appeals/{appeal_id}/resolve")
async def resolve_appeal(request: Request, appeal_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        target = parse_id(appeal_id)
        reasons = ctx.form.get("reasons") or ""
        try:
            with ctx.session.begin_nested():
                appeals.resolve(ctx.session, ctx.services.settings, ctx.me, target, ctx.form.get("outcome") or "", reasons)
        except Invalid as exc:
            return _appeal_page(ctx, target, error=ctx.error_text(exc), reasons=reasons, status=exc.status)
        return ctx.redirect("/moderation/appeals?done=resolved")

    return await page(request, work, auth="moderator")


# --- audits -------------------------------------------------------------------------------


def _audits_page(ctx: WebCtx, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = audits.pending_for(ctx.session, ctx.me)
    rules = published_rules(ctx.session)
    titles = rule_titles(rules, ctx.language)
    reports = console.reports_of(ctx.session, ctx.me, [d.case_id for _, d in found if d.case_id is not None])
    people = _people(ctx, [d.account_id for _, d in found])
    # Blind: only what the first moderator had to go on (the posts and the reports),
    # never their identity, their outcome, or what their decision did to the posts.
    seen = console.posts_for_review(ctx.session, ctx.me, [d.post_id for _, d in found if d.post_id is not None])
    by_id = {p["status"]["id"]: p for p in _reviewed(ctx, seen, blind=True)}
    items = []
    for audit, d in found:
        post = by_id.get(str(d.post_id)) if d.post_id is not None else None
        parent = by_id.get(post["status"]["in_reply_to_id"] or "") if post is not None else None
        items.append(
            {
                "id": str(audit.id),
                "account": ctx.ser.account(people[d.account_id]) if d.account_id in people else None,
                "posts": [p for p in (parent, post) if p is not None],
                "reports": [
                    {"rules": [titles.get(r, r) for r in json.loads(x.rule_ids_json)], "comment": x.comment, "automated": x.detector is not None}
                    for x in reports.get(d.case_id or 0, [])
                ],
                "error": (errors or {}).get(str(audit.id)),
            }
        )
    summary = cast(dict[str, Any], audits.agreement_report(ctx.session))
    moderators = _people(ctx, [int(k) for k in summary["by_moderator"]])
    return _console(
        ctx,
        "audits.html",
        "audits",
        ctx.t("Consistency audits"),
        status,
        items=items,
        rules=sorted(titles.items(), key=lambda kv: kv[1].lower()),
        choices=[(a, ctx.t(ACTION_CHOICES[a])) for a in ACTIONS],
        overall=summary["overall"],
        by_rule=[(titles.get(r, r), v) for r, v in summary["by_rule"].items()],
        by_moderator=[
            (moderators[int(k)].username if int(k) in moderators else k, v)
            for k, v in summary["by_moderator"].items()
        ],
        percent=lambda v: "–" if v is None else f"{v * 100:.0f}%",
        decimal=lambda v: "–" if v is None else f"{v:.2f}",
    )


@router.get("/moderation/audits")
async def audits_page(request: Request) -> Response:
    return await page(request, _audits_page, auth="moderator")


@router.post("/moderation/audits/{audit_id}")
async def review_audit(request: Request, audit_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        target = parse_id(audit_id)
        form = ctx.form
        try:
            violation = {"yes": True, "no": False}.get(form.get("violation") or "")
            if violation is None:
                raise Invalid("Say whether the case breaks a rule.")
            with ctx.session.begin_nested():
                audits.review(
                    ctx.session,
                    ctx.me,
                    target,
                    violation=violation,
                    rule_id=form.get("rule_id") or None,
                    actions=[a for a in ACTIONS if form.get(f"action.{a}")],
                    notes=form.get("notes"),
                )
        except (Invalid, NotFound) as exc:
            return _audits_page(ctx, errors={audit_id: ctx.error_text(exc)}, status=exc.status)
        return ctx.redirect("/moderation/audits?done=reviewed")

    return await page(request, work, auth="moderator")


# --- public-interest designations ---------------------------------------------------------


def _designations_page(ctx: WebCtx, *, error: str | None = None, values: dict[str, str] | None = None, status: int = 200) -> Response:
    settings = ctx.services.settings
    found = public_office.designations(ctx.session, ctx.me, settings.public_interest_min_followers)
    rows = [
        {
            "account": ctx.ser.account(d.account),
            "account_id": str(d.account.id),
            "role": d.office.role,
            "jurisdiction": d.office.jurisdiction,
            "since": d.office.since,
            "verified": d.account.verified,
            "followers": d.account.followers_count,
            "public_interest": d.public_interest_account,
        }
        for d in found
    ]
    return _console(
        ctx,
        "public_interest.html",
        "public_interest",
        ctx.t("Public-interest accounts"),
        status,
        rows=rows,
        error=error,
        values=values or {},
        min_followers=settings.public_interest_min_followers,
        is_admin=ctx.me.role == "admin",
    )


@router.get("/moderation/public_interest")
async def designations_page(request: Request) -> Response:
    return await page(request, _designations_page, auth="moderator")


@router.post("/moderation/public_interest")
async def designate(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        try:
            account = find_account(ctx.session, form.get("username") or "")
            if account is None:
                raise NotFound("There is no account with that username here.")
            with ctx.session.begin_nested():
                public_office.designate(
                    ctx.session,
                    ctx.me,
                    account,
                    role=form.get("role") or "",
                    jurisdiction=form.get("jurisdiction") or "",
                    verified=True if form.get("verified") else None,
                )
        except ParleyError as exc:
            return _designations_page(ctx, error=ctx.error_text(exc), values=form, status=exc.status)
        return ctx.redirect("/moderation/public_interest?done=designated")

    return await page(request, work, auth="moderator")


@router.post("/moderation/public_interest/{account_id}/remove")
async def undesignate(request: Request, account_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        try:
            account = get_account(ctx.session, parse_id(account_id))
            with ctx.session.begin_nested():
                public_office.undesignate(ctx.session, ctx.me, account)
        except ParleyError as exc:
            return _designations_page(ctx, error=ctx.error_text(exc), status=exc.status)
        return ctx.redirect("/moderation/public_interest?done=undesignated")

    return await page(request, work, auth="moderator")
