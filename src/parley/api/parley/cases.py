"""``/api/parley/v1/cases`` and ``/api/parley/v1/reporters``: the moderation queue.

A case gathers the reports and automated flags about one account (``parley.safety.cases``).
Reading needs ``admin:read:reports``, changing ``admin:write:reports`` (``admin:read`` and
``admin:write`` grant them), and always the moderator or admin role; nobody handles a case
about their own account. Bodies are JSON or form fields; every change answers the case.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from enum import Enum

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import Json, iso
from parley.api.parley.decisions import moderator_views
from parley.errors import Invalid
from parley.pagination import Paged
from parley.safety import cases, reports
from parley.safety.policy import ACTIONS, Proposal
from parley.store.tables import CaseEvent, MutedReporter, Report

router = APIRouter()

READ = "admin:read:reports"
WRITE = "admin:write:reports"
TAGS: list[str | Enum] = ["moderation"]


class CaseViews:
    """Case JSON for one request; a page costs a fixed number of queries."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.ser = ctx.ser

    def accounts(self, ids: Iterable[int | None]) -> dict[int, Json]:
        loaded = self.ser.load_accounts(i for i in ids if i is not None)
        return {i: self.ser.account(a) for i, a in loaded.items()}

    def summaries(self, found: list[cases.CaseSummary]) -> list[Json]:
        people = self.accounts([s.case.account_id for s in found] + [s.case.assigned_to_id for s in found])
        return [self._summary(s, people) for s in found]

    def _summary(self, s: cases.CaseSummary, people: dict[int, Json]) -> Json:
        c = s.case
        return {
            "id": str(c.id),
            "state": c.state,
            "priority": c.priority,
            "account": people.get(c.account_id),
            "assigned_account": people.get(c.assigned_to_id) if c.assigned_to_id else None,
            "report_count": s.report_count,
            "rule_ids": list(s.rule_ids),
            "status_ids": [str(p) for p in s.post_ids],
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "closed_at": iso(c.closed_at),
        }

    def detail(self, d: cases.CaseDetail) -> Json:
        c = d.summary.case
        people = self.accounts(
            [c.account_id, c.assigned_to_id]
            + [r.reporter_id for r in d.reports]
            + [e.actor_id for e in d.events]
        )
        out = self._summary(d.summary, people)
        out["reports"] = [_report(r, people) for r in d.reports]
        # Moderators see the posts whatever their audience or moderation state.
        out["statuses"] = moderator_views(self.ctx, list(d.summary.post_ids))
        out["events"] = [_event(e, people) for e in d.events]
        out["proposal"] = {
            "public_interest_account": d.public_interest_account,
            "active_strikes": d.active_strikes,
            "rules": [_proposal(p) for p in d.proposals],
        }
        return out


def _report(r: Report, people: dict[int, Json]) -> Json:
    return {
        "id": str(r.id),
        "category": r.category,
        "comment": r.comment,
        "rule_ids": json.loads(r.rule_ids_json),
        "status_ids": [str(p) for p in json.loads(r.post_ids_json)],
        "forward": r.forward,
        "account": people.get(r.reporter_id) if r.reporter_id is not None else None,
        "automated": r.detector is not None,
        "detector": r.detector,
        "score": r.score,
        "action_taken_at": iso(r.action_taken_at),
        "created_at": iso(r.created_at),
    }


def _event(e: CaseEvent, people: dict[int, Json]) -> Json:
    return {
        "id": str(e.id),
        "kind": e.kind,
        "account": people.get(e.actor_id) if e.actor_id is not None else None,
        "automated": e.automated,
        "data": json.loads(e.data_json),
        "created_at": iso(e.created_at),
    }


def _ordered(actions: frozenset[str]) -> list[str]:
    return [a for a in ACTIONS if a in actions]


def _proposal(p: Proposal) -> Json:
    return {
        "rule_id": p.rule_id,
        "rule_version": p.rule_version,
        "public_interest_applies": p.public_interest_applies,
        "allowed": _ordered(p.allowed),
        "proposed": list(p.proposed),
        "lock_hours": p.lock_hours,
        "needs_escalation_reason": _ordered(p.needs_escalation_reason),
        "explanation": p.explanation,
    }


def _detail(ctx: Ctx, case_id: int) -> Response:
    detail = cases.get_case_for(ctx.session, ctx.services.settings, ctx.account, case_id)
    return json_response(CaseViews(ctx).detail(detail))


# --- reading ------------------------------------------------------------------------------


@router.get(
    "/api/parley/v1/cases",
    tags=TAGS,
    summary="List cases",
    description=(
        "Cases the caller may handle, newest first, each with its account, state (`open`, "
        "`escalated`, `closed`), priority, assignee, report count, the rules its reports name "
        "and its posts. Filters: `state`, `rule_id` (named in one of its reports), `account_id` "
        "(the account the case is about), `report_id` (the case holding that report). Paginated "
        "with `max_id`, `since_id`, `min_id`, `limit` (default 20, at most 80) and the `Link` "
        "header. Needs `admin:read:reports` and the moderator role."
    ),
)
async def list_cases(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        filt = cases.CaseFilter(
            state=p.str("state") or None,
            rule_id=p.str("rule_id") or None,
            account_id=p.id("account_id"),
            report_id=p.id("report_id"),
        )
        found = cases.list_cases(ctx.session, ctx.account, filt, p.page(default=20, maximum=80))
        return ctx.paged([Paged(s.case.id, s) for s in found], CaseViews(ctx).summaries(found))

    return await call(request, work, scope=READ)


@router.get(
    "/api/parley/v1/cases/{case_id}",
    tags=TAGS,
    summary="Show a case",
    description=(
        "The case with its `reports` (a detector's flag has no `account` and names its "
        "`detector` and `score`), `statuses` (the reported posts, whatever their audience), "
        "`events` (its append-only history: `kind`, `account` who acted, `automated`, `data`) "
        "and the policy engine's `proposal`: whether the account is a public-interest account, "
        "its active strikes, and for each rule the reports name (every rule in force if none) "
        "the `allowed` and `proposed` actions, whether `public_interest_applies`, the actions "
        "that `needs_escalation_reason`, and an `explanation`. Needs `admin:read:reports` and "
        "the moderator role."
    ),
)
async def show_case(request: Request, case_id: str) -> Response:
    return await call(request, lambda ctx: _detail(ctx, parse_id(case_id)), scope=READ)


# --- changing -----------------------------------------------------------------------------


def _case_action(path: str, summary: str, description: str, act: Callable[[Ctx, int], object]) -> None:
    async def route(request: Request, case_id: str) -> Response:
        def work(ctx: Ctx) -> Response:
            target = parse_id(case_id)
            act(ctx, target)
            return _detail(ctx, target)

        return await call(request, work, scope=WRITE)

    route.__name__ = f"case_{path}"
    router.add_api_route(
        f"/api/parley/v1/cases/{{case_id}}/{path}",
        route,
        methods=["POST"],
        tags=TAGS,
        summary=summary,
        description=description + " Answers the case. Needs `admin:write:reports` and the moderator role.",
    )


def _reason(ctx: Ctx) -> str | None:
    return ctx.params.str("reason")


def _priority(ctx: Ctx) -> int:
    value = ctx.params.int("priority", minimum=0, maximum=cases.MAX_PRIORITY)
    if value is None:
        raise Invalid("Missing parameter: priority")
    return value


_case_action(
    "notes",
    "Add a note",
    "Body: `text` (required, up to 5000 characters). Appends a `note` event; closed cases take notes too.",
    lambda ctx, case_id: cases.add_note(ctx.session, ctx.account, case_id, ctx.params.str("text") or ""),
)
_case_action(
    "assign",
    "Assign the case",
    "Body: `account_id` (optional: a moderator other than the one the case is about; default "
    "the caller). Appends an `assigned` event unless it is assigned so already.",
    lambda ctx, case_id: cases.assign(ctx.session, ctx.account, case_id, ctx.params.id("account_id")),
)
_case_action(
    "unassign",
    "Unassign the case",
    "No body. Appends an `unassigned` event unless nobody was assigned.",
    lambda ctx, case_id: cases.unassign(ctx.session, ctx.account, case_id),
)
_case_action(
    "escalate",
    "Escalate the case",
    "Body: `reason` (optional, up to 2000 characters). Moves an open case to `escalated`, for a "
    "senior or cross-functional review; a closed case must be reopened first.",
    lambda ctx, case_id: cases.escalate(ctx.session, ctx.account, case_id, _reason(ctx)),
)
_case_action(
    "close",
    "Close the case without a decision",
    "Body: `reason` (optional, up to 2000 characters). Closes the case; its reports count as "
    "resolved. Decisions close cases too (`POST /api/parley/v1/cases/{id}/decisions`).",
    lambda ctx, case_id: cases.close(ctx.session, ctx.account, case_id, _reason(ctx)),
)
_case_action(
    "reopen",
    "Reopen the case",
    "No body. Opens a closed case again; 409 while the account has another open case.",
    lambda ctx, case_id: cases.reopen(ctx.session, ctx.account, case_id),
)
_case_action(
    "priority",
    "Set the priority",
    f"Body: `priority` (required, a whole number from 0 to {cases.MAX_PRIORITY}; higher is more "
    "urgent). Reports raise it from there.",
    lambda ctx, case_id: cases.set_priority(ctx.session, ctx.account, case_id, _priority(ctx)),
)


# --- reporters ----------------------------------------------------------------------------


def _mute_json(account_id: int, muted: MutedReporter | None) -> Json:
    return {
        "account_id": str(account_id),
        "muted": muted is not None,
        "muted_at": iso(muted.created_at) if muted is not None else None,
        "muted_by_account_id": str(muted.muted_by_id) if muted is not None and muted.muted_by_id else None,
    }


@router.put(
    "/api/parley/v1/reporters/{account_id}/mute",
    tags=TAGS,
    summary="Mute a reporter",
    description=(
        "No body. The account's reports are still kept, but open no case and raise no priority "
        "until it is unmuted. Answers `{account_id, muted, muted_at, muted_by_account_id}`. Needs "
        "`admin:write:reports` and the moderator role."
    ),
)
async def mute_reporter(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = parse_id(account_id)
        return json_response(_mute_json(target, reports.mute_reporter(ctx.session, ctx.account, target)))

    return await call(request, work, scope=WRITE)


@router.delete(
    "/api/parley/v1/reporters/{account_id}/mute",
    tags=TAGS,
    summary="Unmute a reporter",
    description=(
        "No body. The account's next reports open cases again (earlier ones stay out of the "
        "queue). Answers `{account_id, muted: false, ...}`. Needs `admin:write:reports` and the "
        "moderator role."
    ),
)
async def unmute_reporter(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        target = parse_id(account_id)
        reports.unmute_reporter(ctx.session, ctx.account, target)
        return json_response(_mute_json(target, None))

    return await call(request, work, scope=WRITE)

