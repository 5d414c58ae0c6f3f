"""Decisions, appeals and public-office designations (``/api/parley/v1``).

Bodies are JSON or form fields, as everywhere in the API; answers are JSON. Moderation
endpoints need a token with ``admin:read`` / ``admin:write`` and an account with the
moderator or admin role; designations need the admin role.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import iso
from parley.errors import Invalid, NotFound
from parley.posts.access import Seen
from parley.safety import appeals, audits, decisions, public_office
from parley.safety.catalog import BASE_LANGUAGE, CatalogRule, get_rule
from parley.safety.permissions import check_moderator
from parley.store.tables import Appeal, Decision, Post, PublicOffice
from parley.transparency import log as transparency_log
from parley.transparency.statements import actions_of, public_statement, warning_action
from parley.visibility import NONE, Show, Verdict

router = APIRouter()

Json = dict[str, Any]


def _rule(ctx: Ctx, decision: Decision) -> CatalogRule | None:
    if decision.rule_id is None:
        return None
    try:
        return get_rule(ctx.session, decision.rule_id, decision.rule_version)
    except NotFound:
        return None


def decision_json(ctx: Ctx, decision: Decision, *, for_moderator: bool) -> Json:
    """A decision with its statement of reasons, as the affected person or a moderator sees it."""
    rule = _rule(ctx, decision)
    appeal = ctx.session.scalar(select(Appeal).where(Appeal.decision_id == decision.id))
    # The statement as the log holds it (built when the decision was taken); one built
    # now only for a decision older than the log.
    logged = transparency_log.entry_of(ctx.session, decision.id)
    if logged is not None:
        log_index, statement = logged[0], json.loads(logged[1])["statement_of_reasons"]
    else:
        log_index, statement = None, public_statement(ctx.session, decision, ctx.services.settings)
    deadline = decision.created_at + timedelta(days=ctx.services.settings.appeal_window_days)
    base = ctx.services.settings.base_url.rstrip("/")
    out: Json = {
        "id": str(decision.id),
        "account_id": str(decision.account_id),
        "status_id": str(decision.post_id) if decision.post_id else None,
        "rule": {
            "id": decision.rule_id,
            "version": decision.rule_version,
            "text": rule.title[BASE_LANGUAGE] if rule else None,
            "translations": {lang: t for lang, t in rule.title.items() if lang != BASE_LANGUAGE} if rule else {},
        },
        "actions": actions_of(decision),
        "facts": decision.facts,
        "reasons": decision.reasons,
        "public_interest": decision.public_interest,
        "public_interest_assessment": decision.public_interest_assessment,
        "escalation_reason": decision.escalation_reason,
        "label": {"text": decision.label_text, "url": decision.label_url} if decision.label_text else None,
        "duration_hours": decision.duration_hours,
        "ends_at": iso(decision.ends_at),
        "automated_detection": decision.automated_detection,
        "automated_decision": decision.automated_decision,
        "strike": decision.strike,
        "reverses_id": str(decision.reverses_id) if decision.reverses_id else None,
        "created_at": iso(decision.created_at),
        "statement_of_reasons": statement,
        "appeal": _appeal_json(appeal) if appeal else None,
        "appeal_deadline": iso(deadline) if decision.reverses_id is None else None,
        "how_to_appeal": (
            f"Appeal once, before {deadline.strftime('%Y-%m-%d')}, with POST {base}/api/parley/v1/decisions/"
            f"{decision.id}/appeal and a text saying why the decision is wrong. A moderator other "
            "than the one who decided reviews it."
            if decision.reverses_id is None
            else None
        ),
        "log_index": log_index,
    }
    if for_moderator:
        out["case_id"] = str(decision.case_id) if decision.case_id else None
        out["moderator_id"] = str(decision.moderator_id) if decision.moderator_id else None
    return out


def _appeal_json(appeal: Appeal) -> Json:
    return {
        "id": str(appeal.id),
        "decision_id": str(appeal.decision_id),
        "text": appeal.text,
        "state": appeal.state,
        "resolution_reasons": appeal.resolution_reasons,
        "reversal_id": str(appeal.resolution_decision_id) if appeal.resolution_decision_id else None,
        "created_at": iso(appeal.created_at),
        "resolved_at": iso(appeal.resolved_at),
    }


def account_warning(ctx: Ctx, decision: Decision) -> Json:
    """Mastodon's AccountWarning entity, with the whole decision under ``parley``."""
    account = ctx.ser.load_accounts([decision.account_id]).get(decision.account_id)
    whole = decision_json(ctx, decision, for_moderator=False)
    appeal = whole["appeal"]
    return {
        "id": str(decision.id),
        "action": warning_action(decision),
        "text": decision.reasons,
        "status_ids": [str(decision.post_id)] if decision.post_id else [],
        "target_account": ctx.ser.account(account) if account is not None else None,
        "appeal": {"text": appeal["text"], "state": appeal["state"]} if appeal else None,
        "created_at": iso(decision.created_at),
        "parley": whole,
    }


def _decision_input(ctx: Ctx) -> decisions.DecisionInput:
    p = ctx.params
    actions = p.list("actions")
    if len(actions) == 1 and "," in actions[0]:
        actions = [a.strip() for a in actions[0].split(",") if a.strip()]
    post_id = p.str("status_id") or p.str("post_id")
    return decisions.DecisionInput(
        rule_id=p.required("rule_id"),
        actions=tuple(actions),
        reasons=p.str("reasons") or "",
        facts=p.str("facts") or "",
        post_id=parse_id(post_id) if post_id else None,
        public_interest_assessment=p.str("public_interest_assessment"),
        escalation_reason=p.str("escalation_reason"),
        duration_hours=p.int("duration_hours", minimum=1),
        label_text=p.str("label_text"),
        label_url=p.str("label_url"),
        automated_detection=bool(p.bool("automated_detection", False)),
    )


@router.post(
    "/api/parley/v1/cases/{case_id}/decisions",
    summary="Decide a case",
    description=(
        "Body: `rule_id` (a rule of the catalog), `actions[]` (label, sensitive, limit_reach, "
        "public_interest_notice, remove, warn, read_only, lock, suspend), `reasons`, and as needed "
        "`status_id` (the post the post actions act on), `facts`, `public_interest_assessment` "
        "(required with public_interest_notice), `escalation_reason` (required to take down, lock "
        "or suspend a public-interest account under an eligible rule), `duration_hours` (a lock), "
        "`label_text` and `label_url`. Answers 200 with the decision and its statement of reasons; "
        "422 with the reason when the combination is refused."
    ),
)
async def decide_case(request: Request, case_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        decision = decisions.decide_case(
            ctx.session, ctx.services.settings, ctx.account, parse_id(case_id), _decision_input(ctx)
        )
        return json_response(decision_json(ctx, decision, for_moderator=True))

    return await call(request, work, scope="admin:write")


@router.get("/api/parley/v1/decisions/{decision_id}", summary="A decision and its statement of reasons")
async def show_decision(request: Request, decision_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        decision = ctx.session.get(Decision, parse_id(decision_id))
        if decision is None:
            raise NotFound("Record not found")
        if decision.account_id == ctx.account_id:
            return json_response(decision_json(ctx, decision, for_moderator=False))
        ctx.require("admin:read")
        check_moderator(ctx.account.role)
        return json_response(decision_json(ctx, decision, for_moderator=True))

    return await call(request, work, scope="read")


@router.post(
    "/api/parley/v1/decisions/{decision_id}/appeal",
    summary="Appeal a decision",
    description="By the affected account, once per decision, within the appeal window. Body: `text`.",
)
async def appeal_decision(request: Request, decision_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        row = appeals.appeal(
            ctx.session, ctx.services.settings, ctx.account, parse_id(decision_id), ctx.params.str("text") or ""
        )
        return json_response(_appeal_json(row))

    return await call(request, work, scope="write")


@router.get("/api/parley/v1/appeals", summary="Appeals waiting for a moderator (or all, with state=all)")
async def list_appeals(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        found = appeals.list_appeals(ctx.session, ctx.account, ctx.params.str("state", "pending") or "pending")
        return json_response([_appeal_json(a) for a in found])

    return await call(request, work, scope="admin:read")


@router.post(
    "/api/parley/v1/appeals/{appeal_id}/resolve",
    summary="Resolve an appeal",
    description=(
        "By a moderator other than the one who decided. Body: `outcome` (approve: the decision is "
        "reversed by a new decision, its restrictions lifted and its strike overturned; reject: it "
        "stands) and `reasons`."
    ),
)
async def resolve_appeal(request: Request, appeal_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        row = appeals.resolve(
            ctx.session, ctx.services.settings, ctx.account, parse_id(appeal_id), p.required("outcome"), p.str("reasons") or ""
        )
        return json_response(_appeal_json(row))

    return await call(request, work, scope="admin:write")


def _office_json(office: PublicOffice | None, account_id: int, verified: bool) -> Json:
    return {
        "account_id": str(account_id),
        "designated": office is not None,
        "role": office.role if office else None,
        "jurisdiction": office.jurisdiction if office else None,
        "since": iso(office.since) if office else None,
        "verified": verified,
    }


@router.get(
    "/api/parley/v1/accounts/{account_id}/public_office",
    summary="An account's public-office designation and its log (moderators)",
)
async def show_designation(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        check_moderator(ctx.account.role)
        target = ctx.target(account_id)
        office, events = public_office.designation_of(ctx.session, target.id)
        out = _office_json(office, target.id, target.verified)
        out["log"] = [
            {
                "action": e.action,
                "role": e.role,
                "jurisdiction": e.jurisdiction,
                "by_account_id": str(e.actor_id) if e.actor_id else None,
                "created_at": iso(e.created_at),
            }
            for e in events
        ]
        return json_response(out)

    return await call(request, work, scope="admin:read")


@router.put(
    "/api/parley/v1/accounts/{account_id}/public_office",
    summary="Designate a public office (admins)",
    description="Body: `role`, `jurisdiction`, and optionally `verified` (true/false).",
)
async def designate(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        target = ctx.target(account_id)
        office = public_office.designate(
            ctx.session, ctx.account, target, role=p.str("role") or "", jurisdiction=p.str("jurisdiction") or "",
            verified=p.bool("verified"),
        )
        return json_response(_office_json(office, target.id, target.verified))

    return await call(request, work, scope="admin:write")


@router.delete("/api/parley/v1/accounts/{account_id}/public_office", summary="Remove a designation (admins)")
async def undesignate(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = ctx.target(account_id)
        public_office.undesignate(ctx.session, ctx.account, target)
        return json_response(_office_json(None, target.id, target.verified))

    return await call(request, work, scope="admin:write")


def moderator_views(ctx: Ctx, post_ids: list[int]) -> list[Json]:
    """Posts as a moderator reviews them: whatever their audience or moderation state,
    with that state (notice, removal, label) in the ``parley`` object."""
    posts = {p.id: p for p in ctx.session.scalars(select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    seen = []
    for post_id in post_ids:
        post = posts.get(post_id)
        if post is None:
            continue
        show = Show.REMOVED if post.removed_at else Show.NOTICE if post.notice_rule_id else Show.SHOWN
        seen.append(Seen(post, None, Verdict(show, NONE)))
    return ctx.ser.statuses(seen)


@router.get(
    "/api/parley/v1/audits",
    summary="Audits waiting for a blind second review, and the agreement so far",
    description=(
        "`pending`: decided cases the caller may review (not their own decisions), without the "
        "first outcome. `agreement`: agreement rate and Cohen's kappa overall, per rule and per moderator."
    ),
)
async def list_audits(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        found = audits.pending_for(ctx.session, ctx.account)
        posts = {int(s["id"]): s for s in moderator_views(ctx, [d.post_id for _, d in found if d.post_id])}
        pending = [
            {
                "id": str(audit.id),
                "case_id": str(decision.case_id) if decision.case_id else None,
                "account_id": str(decision.account_id),
                "status": posts.get(decision.post_id) if decision.post_id else None,
                "created_at": iso(audit.created_at),
            }
            for audit, decision in found
        ]
        return json_response({"pending": pending, "agreement": audits.agreement_report(ctx.session)})

    return await call(request, work, scope="admin:read")


@router.post(
    "/api/parley/v1/audits/{audit_id}/review",
    summary="Review an audit blind",
    description="Body: `violation` (true/false), `rule_id` (with a violation), `actions[]`, `notes`.",
)
async def review_audit(request: Request, audit_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        violation = p.bool("violation")
        if violation is None:
            raise Invalid("Say whether the case breaks a rule: violation")
        audit = audits.review(
            ctx.session, ctx.account, parse_id(audit_id), violation=violation, rule_id=p.str("rule_id"),
            actions=p.list("actions"), notes=p.str("notes"),
        )
        first = ctx.session.get(Decision, audit.decision_id)
        return json_response(
            {
                "id": str(audit.id),
                "state": audit.state,
                "violation": audit.violation,
                "rule_id": audit.rule_id,
                "agrees": first is not None and audits.first_outcome(first) == audits.second_outcome(audit),
            }
        )

    return await call(request, work, scope="admin:write")
