"""The moderator console: the queue, a case with the decision form driven by the policy
engine (reviewed as a statement of reasons before it is committed), appeals, the blind
consistency audits and the public-interest designations. Moderators and admins only;
everyone else is told the pages do not exist."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts.service import get_account
from parley.api.http import parse_id
from parley.errors import Invalid, NotFound
from parley.posts.access import Seen
from parley.safety import cases, console
from parley.safety.catalog import CatalogRule, published_rules
from parley.safety.decisions import DecisionInput, decide_case
from parley.safety.policy import ACTIONS, MAX_LOCK_HOURS, NOTICE, AccountAction
from parley.store.tables import Account, Post
from parley.transparency import statements
from parley.web.http import WebCtx, flash, page, with_query
from parley.web.i18n import lazy
from parley.web.safety import ACTIONS_DONE, action_names, rule_text, rule_titles
from parley.web.transparency import STATEMENT_FIELDS

router = APIRouter(include_in_schema=False)

# What a moderator may choose, as the decision form names it.
ACTION_CHOICES = {
    "label": lazy("Add a label with context"),
    "sensitive": lazy("Mark sensitive"),
    "limit_reach": lazy("Limit its reach"),
    "public_interest_notice": lazy("Keep it up behind a public-interest notice"),
    "remove": lazy("Remove the post"),
    "warn": lazy("Warn the account"),
    "read_only": lazy("Read-only until the author deletes the post"),
    "lock": lazy("Lock the account for a time"),
    "suspend": lazy("Suspend the account"),
}
STATE_NAMES = {
    "pending": lazy("Open or escalated"),
    "open": lazy("Open"),
    "escalated": lazy("Escalated"),
    "closed": lazy("Closed"),
    "all": lazy("All"),
}
# Priority is ten times the gravest rule's severity plus the number of sources.
PRIORITY_BANDS = (
    (50, lazy("Critical")),
    (40, lazy("Severe or worse")),
    (30, lazy("Serious or worse")),
    (20, lazy("Moderate or worse")),
)
EVENT_NAMES = {
    "opened": lazy("Case opened"),
    "report": lazy("Report received"),
    "flag": lazy("Automated flag"),
    "assigned": lazy("Assigned"),
    "unassigned": lazy("Unassigned"),
    "note": lazy("Note"),
    "priority": lazy("Priority changed"),
    "escalated": lazy("Escalated"),
    "closed": lazy("Closed without a decision"),
    "reopened": lazy("Reopened"),
    "decided": lazy("Decided"),
}
DONE = {
    "decided": lazy("The decision was committed and published in the transparency log."),
    "closed": lazy("The case was closed without a decision."),
    "assigned": lazy("The case is assigned to you."),
    "unassigned": lazy("The case is no longer assigned."),
    "noted": lazy("Your note was added."),
    "escalated": lazy("The case was escalated."),
    "reopened": lazy("The case was reopened."),
    "resolved": lazy("The appeal was resolved."),
    "reviewed": lazy("Your review was recorded."),
    "designated": lazy("The designation was saved."),
    "undesignated": lazy("The designation was removed."),
}
QUEUE_PAGE = 50


def _console(ctx: WebCtx, template: str, section: str, title: str, status: int = 200, **context: Any) -> Response:
    return ctx.render(f"moderation/{template}", status, title=title, section=section, flash=flash(ctx, DONE), **context)


def _priority_class(priority: int) -> str:
    return "critical" if priority >= 50 else "high" if priority >= 40 else ""


def _ladder_step(ctx: WebCtx, step: AccountAction) -> str:
    if step.kind == "lock":
        return ctx.t("a lock of %(hours)s hours", hours=step.hours)
    if step.kind == "suspend":
        return ctx.t("permanent suspension")
    return ctx.t("no account action")


def _people(ctx: WebCtx, ids: Iterable[int | None]) -> dict[int, Account]:
    return ctx.ser.load_accounts(i for i in ids if i is not None)


def _reviewed(ctx: WebCtx, seen: list[Seen[Post]], *, blind: bool = False) -> list[dict[str, Any]]:
    """Posts for review with their moderation state; ``blind`` leaves out every trace of
    a decision (the label, the notice, the removal) for a second reviewer."""
    entities = ctx.ser.statuses(seen)
    out = []
    for s, entity in zip(seen, entities, strict=True):
        post = s.post
        state: list[str] = []
        if not blind:
            if post.deleted_at is not None:
                state.append(ctx.t("Deleted by its author"))
            if post.removed_at is not None:
                state.append(ctx.t(ACTIONS_DONE["remove"]))
            if post.notice_rule_id:
                state.append(ctx.t(ACTIONS_DONE[NOTICE]))
            if post.limited:
                state.append(ctx.t(ACTIONS_DONE["limit_reach"]))
        else:
            for key in ("label", "notice", "removed", "limited"):
                entity.get("parley", {}).pop(key, None)
        out.append({"status": entity, "state": state, "visibility": post.visibility})
    return out


# --- the queue ----------------------------------------------------------------------------


@router.get("/moderation")
async def queue_page(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        settings = ctx.services.settings
        state = ctx.query("state") or "pending"
        rule_id = ctx.query("rule") or None
        priority_text = ctx.query("priority") or ""
        number = ctx.query("page") or ""
        # Values no form offers read as the default, as a person following an old link wants.
        priority = int(priority_text) if priority_text.isdigit() else None
        page_number = max(int(number), 1) if number.isdigit() else 1
        filt = console.QueueFilter(state=state, rule_id=rule_id, min_priority=priority)
        items = console.queue(ctx.session, settings, ctx.me, filt, limit=QUEUE_PAGE, offset=(page_number - 1) * QUEUE_PAGE)
        rules = published_rules(ctx.session)
        titles = rule_titles(rules, ctx.language)
        rows = [
            {
                "id": str(i.summary.case.id),
                "account": ctx.ser.account(i.account),
                "public_interest": i.public_interest_account,
                "rules": [titles.get(r, r) for r in i.summary.rule_ids],
                "reports": i.summary.report_count,
                "posts": len(i.summary.post_ids),
                "priority": i.summary.case.priority,
                "priority_class": _priority_class(i.summary.case.priority),
                "created_at": i.summary.case.created_at,
                "state": i.summary.case.state,
                "state_name": ctx.t(STATE_NAMES.get(i.summary.case.state, i.summary.case.state)),
                "assigned": i.summary.case.assigned_to_id == ctx.me.id,
            }
            for i in items
        ]
        query = {"state": state, "rule": rule_id or "", "priority": priority_text}
        kept = {k: v or None for k, v in query.items()}
        return _console(
            ctx,
            "queue.html",
            "queue",
            ctx.t("Moderation queue"),
            rows=rows,
            states=[(k, ctx.t(v)) for k, v in STATE_NAMES.items()],
            rules=sorted(titles.items(), key=lambda kv: kv[1].lower()),
            bands=[(str(n), ctx.t(name)) for n, name in PRIORITY_BANDS],
            chosen=query,
            page_number=page_number,
            older_url=with_query("/moderation", **kept, page=page_number + 1) if len(items) == QUEUE_PAGE else None,
            newer_url=with_query("/moderation", **kept, page=page_number - 1) if page_number > 1 else None,
        )

    return await page(request, work, auth="moderator")


# --- a case -------------------------------------------------------------------------------


def _chosen_rule(rules: list[CatalogRule], named: Iterable[str], wanted: str | None) -> CatalogRule:
    by_id = {r.id: r for r in rules}
    for rule_id in (wanted, *named):
        if rule_id and rule_id in by_id:
            return by_id[rule_id]
    if not rules:
        raise NotFound("No rules are published yet.")
    return rules[0]


def _events(ctx: WebCtx, detail: cases.CaseDetail, people: dict[int, Account], titles: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for e in detail.events:
        data = json.loads(e.data_json)
        actor = people.get(e.actor_id) if e.actor_id is not None else None
        lines: list[str] = []
        if e.kind in ("report", "flag"):
            named = [titles.get(r, r) for r in data.get("rule_ids", [])]
            if named:
                lines.append(ctx.t("Rules: %(rules)s", rules=", ".join(named)))
            if data.get("detector"):
                lines.append(ctx.t("Detector %(name)s, score %(score)s", name=data["detector"], score=data.get("score")))
        if e.kind == "priority" or "priority" in data:
            change = data.get("priority", data)
            lines.append(ctx.t("Priority %(before)s → %(after)s", before=change.get("from"), after=change.get("to")))
        if e.kind == "assigned":
            assignee = people.get(int(data["account_id"])) if data.get("account_id") else None
            lines.append(ctx.t("To @%(name)s", name=assignee.username if assignee else "?"))
        if e.kind == "decided":
            lines.append(", ".join(action_names(ctx, list(data.get("actions", [])))))
        out.append(
            {
                "name": ctx.t(EVENT_NAMES.get(e.kind, e.kind)),
                "kind": e.kind,
                "actor": actor.username if actor is not None else None,
                "automated": e.automated,
                "created_at": e.created_at,
                "lines": lines,
                "text": data.get("text") or data.get("reason"),
                "decision_id": data.get("decision_id"),
            }
        )
    return out


# The decision form's fields besides the actions (``action.<name>`` checkboxes).
FORM_FIELDS = (
    "rule_id",
    "post_id",
    "duration_hours",
    "label_text",
    "label_url",
    "public_interest_assessment",
    "escalation_reason",
    "facts",
    "reasons",
)


def _form_values(form: dict[str, str] | None, proposal: Any, post_ids: tuple[int, ...]) -> dict[str, Any]:
    """The decision form's fields: what was sent, else the policy engine's proposal."""
    if form is not None:
        values: dict[str, Any] = {k: form.get(k, "") for k in FORM_FIELDS}
        values["actions"] = [a for a in ACTIONS if form.get(f"action.{a}")]
        return values
    return {
        "actions": list(proposal.proposed),
        "post_id": str(post_ids[0]) if post_ids else "",
        "duration_hours": str(proposal.lock_hours or 12),
        **{k: "" for k in FORM_FIELDS if k not in ("post_id", "duration_hours")},
    }



def _case_page(
    ctx: WebCtx, case_id: int, *, form: dict[str, str] | None = None, error: str | None = None, status: int = 200
) -> Response:
    settings = ctx.services.settings
    me = ctx.me
    detail = cases.get_case_for(ctx.session, settings, me, case_id)
    summary, account = detail.summary, detail.account
    rules = published_rules(ctx.session)
    titles = rule_titles(rules, ctx.language)
    rule = _chosen_rule(rules, summary.rule_ids, (form or {}).get("rule_id") or ctx.query("rule"))
    proposal = console.proposal_for(ctx.session, settings, me, account, rule)
    record = console.account_record(ctx.session, me, account.id)
    reversed_ids = console.reversed_ids(ctx.session, [d.id for d in record])
    people = _people(
        ctx,
        [summary.case.assigned_to_id]
        + [r.reporter_id for r in detail.reports]
        + [e.actor_id for e in detail.events]
        + [_json_id(e.data_json, "account_id") for e in detail.events],
    )
    reviewed = _reviewed(ctx, console.posts_for_review(ctx.session, me, summary.post_ids))
    reported = {str(p) for p in summary.post_ids}
    values = _form_values(form, proposal, summary.post_ids)
    values["rule_id"] = rule.id
    title, description = rule_text(rule, ctx.language)
    assignee = people.get(summary.case.assigned_to_id) if summary.case.assigned_to_id else None
    return _console(
        ctx,
        "case.html",
        "queue",
        ctx.t("Case about @%(name)s", name=account.username),
        status,
        case=summary.case,
        state_name=ctx.t(STATE_NAMES.get(summary.case.state, summary.case.state)),
        account=ctx.ser.account(account),
        public_interest=detail.public_interest_account,
        assignee=assignee.username if assignee is not None else None,
        assigned_to_me=summary.case.assigned_to_id == me.id,
        review_posts=[dict(p, reported=p["status"]["id"] in reported) for p in reviewed],
        reports=[
            {
                "reporter": people[r.reporter_id].username if r.reporter_id in people else None,
                "detector": r.detector,
                "score": r.score,
                "category": r.category,
                "rules": [titles.get(x, x) for x in json.loads(r.rule_ids_json)],
                "comment": r.comment,
                "created_at": r.created_at,
            }
            for r in detail.reports
        ],
        events=_events(ctx, detail, people, titles),
        record=[
            {
                "id": str(d.id),
                "created_at": d.created_at,
                "rule": titles.get(d.rule_id or "", d.rule_id),
                "actions": action_names(ctx, statements.actions_of(d)),
                "strike": d.strike,
                "reversal": d.reverses_id is not None,
                "reversed": d.id in reversed_ids,
            }
            for d in record
        ],
        active_strikes=detail.active_strikes,
        next_strike=_ladder_step(ctx, console.next_strike(settings, detail.active_strikes, rule)),
        rules=[(r.id, titles[r.id], r.id in summary.rule_ids) for r in rules],
        rule={"id": rule.id, "title": title, "description": description, "eligible": rule.public_interest_eligible},
        proposal=proposal,
        choices=[(a, ctx.t(ACTION_CHOICES[a]), a in proposal.needs_escalation_reason) for a in ACTIONS if a in proposal.allowed],
        values=values,
        error=error,
        max_lock_hours=MAX_LOCK_HOURS,
    )


def _json_id(data_json: str, key: str) -> int | None:
    value = json.loads(data_json).get(key)
    return int(value) if isinstance(value, str) and value.isdigit() else None


@router.get("/moderation/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    return await page(request, lambda ctx: _case_page(ctx, parse_id(case_id)), auth="moderator")


def _case_action(path: str, done: str, act: Callable[[WebCtx, int], object]) -> None:
    async def route(request: Request, case_id: str) -> Response:
        def work(ctx: WebCtx) -> Response:
            target = parse_id(case_id)
            act(ctx, target)
            return ctx.redirect(f"/moderation/cases/{target}?done={done}")

        return await page(request, work, auth="moderator")

    route.__name__ = f"case_{path}"
    router.add_api_route(f"/moderation/cases/{{case_id}}/{path}", route, methods=["POST"])


_case_action("assign", "assigned", lambda ctx, case_id: cases.assign(ctx.session, ctx.me, case_id))
_case_action("unassign", "unassigned", lambda ctx, case_id: cases.unassign(ctx.session, ctx.me, case_id))
_case_action("note", "noted", lambda ctx, case_id: cases.add_note(ctx.session, ctx.me, case_id, ctx.form.get("text") or ""))
_case_action("escalate", "escalated", lambda ctx, case_id: cases.escalate(ctx.session, ctx.me, case_id, ctx.form.get("reason")))
_case_action("close", "closed", lambda ctx, case_id: cases.close(ctx.session, ctx.me, case_id, ctx.form.get("reason")))
_case_action("reopen", "reopened", lambda ctx, case_id: cases.reopen(ctx.session, ctx.me, case_id))


# --- deciding -----------------------------------------------------------------------------


def _decision_input(form: dict[str, str]) -> DecisionInput:
    rule_id = form.get("rule_id") or ""
    if not rule_id:
        raise Invalid("Choose the rule the decision applies.")
    actions = tuple(a for a in ACTIONS if form.get(f"action.{a}"))
    hours = None
    if "lock" in actions:
        text = (form.get("duration_hours") or "").strip()
        if not text.isdigit():
            raise Invalid("A lock needs a duration in hours.")
        hours = int(text)
    post = form.get("post_id") or ""
    return DecisionInput(
        rule_id=rule_id,
        actions=actions,
        reasons=form.get("reasons") or "",
        facts=form.get("facts") or "",
        post_id=parse_id(post) if post else None,
        public_interest_assessment=form.get("public_interest_assessment") or None,
        escalation_reason=form.get("escalation_reason") or None,
        duration_hours=hours,
        label_text=form.get("label_text") or None,
        label_url=form.get("label_url") or None,
    )


@router.post("/moderation/cases/{case_id}/edit")
async def edit_decision(request: Request, case_id: str) -> Response:
    """Back from the review to the form, with what was filled in."""
    return await page(request, lambda ctx: _case_page(ctx, parse_id(case_id), form=ctx.form), auth="moderator")


@router.post("/moderation/cases/{case_id}/preview")
async def preview_decision(request: Request, case_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        target = parse_id(case_id)
        try:
            data = _decision_input(ctx.form)
            statement = console.preview_decision(ctx.session, ctx.services.settings, ctx.me, target, data)
        except (Invalid, NotFound) as exc:
            # A case that does not exist is "not found" again on the page itself.
            return _case_page(ctx, target, form=ctx.form, error=ctx.error_text(exc), status=exc.status)
        account = get_account(ctx.session, cases.access_case(ctx.session, ctx.me, target).account_id)
        carried = {k: v for k, v in ctx.form.items() if k in FORM_FIELDS or k.startswith("action.")}
        return _console(
            ctx,
            "preview.html",
            "queue",
            ctx.t("Review the statement of reasons"),
            case_id=str(target),
            account=ctx.ser.account(account),
            statement=statement,
            fields=STATEMENT_FIELDS,
            field_names={name: ctx.t(label) for name, label in STATEMENT_FIELDS},
            actions=action_names(ctx, list(statement["parley"]["actions"])),
            carried=carried,
        )

    return await page(request, work, auth="moderator")


@router.post("/moderation/cases/{case_id}/decide")
async def commit_decision(request: Request, case_id: str) -> Response:
    def work(ctx: WebCtx) -> Response:
        target = parse_id(case_id)
        try:
            data = _decision_input(ctx.form)
            with ctx.session.begin_nested():
                decide_case(ctx.session, ctx.services.settings, ctx.me, target, data)
        except (Invalid, NotFound) as exc:
            return _case_page(ctx, target, form=ctx.form, error=ctx.error_text(exc), status=exc.status)
        return ctx.redirect(f"/moderation/cases/{target}?done=decided")

    return await page(request, work, auth="moderator")
