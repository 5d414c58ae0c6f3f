"""Mastodon's admin API for moderators: ``/api/v1/admin/reports`` and ``GET /api/v1/admin/accounts``.

Parley keeps reports in cases (``parley.safety.cases``); here a report is shown as
Mastodon's Admin::Report, mapped so:

- ``action_taken`` / ``action_taken_at``: the report's case was closed (with or without a
  decision), and when; ``resolved`` in the filters means the same, or that the report
  never entered a case because its reporter is muted;
- ``assigned_account``: the case's assignee; ``action_taken_by_account``: who closed it;
- ``statuses``: the reported posts the moderator can see; ``rules``: the rules named;
- ``account``: the reporter, null for a detector's flag (``parley.detector`` says which);
- ``assign_to_self``, ``unassign``, ``resolve``, ``reopen`` act on the whole case.

Every route needs an ``admin:read:*`` or ``admin:write:*`` scope (granted by ``admin:read``
and ``admin:write``) and an account with the moderator or admin role.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import Json, iso, role_entity
from parley.api.mastodon.instance import rule_entity
from parley.errors import Invalid
from parley.pagination import Paged
from parley.posts.access import visible_by_ids
from parley.safety import reports
from parley.safety.catalog import published_rules
from parley.safety.decisions import DecisionInput, decide
from parley.safety.policy import MAX_LOCK_HOURS
from parley.store.tables import Account, Case, Report, utcnow
from parley.visibility import Context

router = APIRouter()

READ = "admin:read:reports"
WRITE = "admin:write:reports"


class AdminViews:
    """Admin entities for one request, each page loaded in a fixed number of queries."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.ser = ctx.ser
        self.now = utcnow()

    def account(self, a: Account) -> Json:
        """Mastodon's Admin::Account. Parley keeps no sign-in addresses, needs no email
        confirmation or approval, and silences no one; a temporary lock shows as disabled."""
        return {
            "id": str(a.id),
            "username": a.username,
            "domain": None,
            "created_at": iso(a.created_at),
            "email": a.email or "",
            "ip": None,
            "ips": [],
            "role": role_entity(a.role),
            "confirmed": True,
            "suspended": a.suspended_at is not None,
            "silenced": False,
            "disabled": _locked(a.locked_until, self.now),
            "approved": True,
            "locale": a.locale,
            "invite_request": None,
            "account": self.ser.account(a),
        }

    def accounts(self, ids: Iterable[int | None]) -> dict[int, Json]:
        loaded = self.ser.load_accounts(i for i in ids if i is not None)
        return {i: self.account(a) for i, a in loaded.items()}

    def reports(self, found: list[Report]) -> list[Json]:
        session = self.ctx.session
        cases = reports.cases_of(session, found)
        closed = {c.id for c in cases.values() if c.state == "closed"}
        closers = reports.resolvers(session, closed)
        people = self.accounts(
            [r.reporter_id for r in found]
            + [r.account_id for r in found]
            + [c.assigned_to_id for c in cases.values()]
            + list(closers.values())
        )
        post_ids = list(dict.fromkeys(int(p) for r in found for p in json.loads(r.post_ids_json)))
        seen = visible_by_ids(session, self.ctx.viewer_id, post_ids, Context.DIRECT_LINK)
        statuses = dict(zip((s.post.id for s in seen), self.ser.statuses(seen), strict=True))
        rules = {rule.id: rule_entity(rule) for rule in published_rules(session)}
        return [self._report(r, cases.get(r.case_id or 0), closers, people, statuses, rules) for r in found]

    def report(self, report: Report) -> Json:
        return self.reports([report])[0]

    def _report(
        self,
        r: Report,
        case: Case | None,
        closers: dict[int, int | None],
        people: dict[int, Json],
        statuses: dict[int, Json],
        rules: dict[str, Json],
    ) -> Json:
        closer = closers.get(case.id) if case is not None else None  # ``closers`` has closed cases only
        post_ids = [int(p) for p in json.loads(r.post_ids_json)]
        return {
            "id": str(r.id),
            "action_taken": r.action_taken_at is not None,
            "action_taken_at": iso(r.action_taken_at),
            "category": r.category,
            "comment": r.comment,
            "forwarded": False,
            "created_at": iso(r.created_at),
            "updated_at": iso(case.updated_at if case is not None else r.created_at),
            "account": people.get(r.reporter_id) if r.reporter_id is not None else None,
            "target_account": people.get(r.account_id),
            "assigned_account": people.get(case.assigned_to_id) if case and case.assigned_to_id else None,
            "action_taken_by_account": people.get(closer) if closer is not None else None,
            "statuses": [statuses[p] for p in post_ids if p in statuses],
            "rules": [rules[rule_id] for rule_id in json.loads(r.rule_ids_json) if rule_id in rules],
            "parley": {
                "case_id": str(case.id) if case is not None else None,
                "case_state": case.state if case is not None else None,
                "priority": case.priority if case is not None else None,
                "status_ids": [str(p) for p in post_ids],
                "detector": r.detector,
                "score": r.score,
                "automated": r.detector is not None,
            },
        }


def _locked(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


# --- reports ------------------------------------------------------------------------------


@router.get(
    "/api/v1/admin/reports",
    summary="List reports (Mastodon admin API)",
    description=(
        "Admin::Report entities, newest first. Filters: `resolved` (default: the open queue), "
        "`account_id` (the reporter), `target_account_id`. Paginated with `max_id`, `since_id`, "
        "`min_id`, `limit` (default 100, at most 200) and the `Link` header. Needs "
        "`admin:read:reports` and the moderator role."
    ),
)
async def list_reports(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        filt = reports.ReportFilter(
            resolved=bool(p.bool("resolved", False)),
            account_id=p.id("account_id"),
            target_account_id=p.id("target_account_id"),
        )
        found = reports.list_reports(ctx.session, ctx.account, filt, p.page(default=100, maximum=200))
        views = AdminViews(ctx)
        return ctx.paged([Paged(r.id, r) for r in found], views.reports(found))

    return await call(request, work, scope=READ)


@router.get(
    "/api/v1/admin/reports/{report_id}",
    summary="Show one report (Mastodon admin API)",
    description="An Admin::Report entity. Needs `admin:read:reports` and the moderator role.",
)
async def show_report(request: Request, report_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        report, _ = reports.access_report(ctx.session, ctx.account, parse_id(report_id))
        return json_response(AdminViews(ctx).report(report))

    return await call(request, work, scope=READ)


def _report_action(verb: str, act: Callable[..., Report], summary: str, description: str) -> None:
    async def route(request: Request, report_id: str) -> Response:
        def work(ctx: Ctx) -> Response:
            report = act(ctx.session, ctx.account, parse_id(report_id))
            return json_response(AdminViews(ctx).report(report))

        return await call(request, work, scope=WRITE)

    route.__name__ = f"report_{verb}"
    router.add_api_route(
        f"/api/v1/admin/reports/{{report_id}}/{verb}",
        route,
        methods=["POST"],
        summary=summary,
        description=description + " Answers the Admin::Report. Needs `admin:write:reports` and the moderator role.",
    )


_report_action(
    "assign_to_self",
    reports.assign_report_to_self,
    "Take the report's case",
    "Assigns the case the report is in to the caller (no change if it already is).",
)
_report_action(
    "unassign",
    reports.unassign_report,
    "Leave the report's case to anyone",
    "Removes the assignee of the case the report is in (no change if there is none).",
)
_report_action(
    "resolve",
    reports.resolve_report,
    "Resolve the report",
    "Closes the case the report is in, which resolves every report in it (no change if closed).",
)
_report_action(
    "reopen",
    reports.reopen_report,
    "Reopen the report",
    "Opens the report's closed case again (409 if the account has another open case); a muted "
    "reporter's report is put in the queue.",
)


# --- accounts -----------------------------------------------------------------------------


@router.get(
    "/api/v1/admin/accounts",
    summary="List accounts (Mastodon admin API, v1)",
    description=(
        "Admin::Account entities, newest first. Filters: `local`, `remote`, `active`, `pending`, "
        "`disabled`, `silenced`, `suspended`, `staff` (booleans), `username` (prefix), "
        "`display_name` (part), `email`, `by_domain`. Paginated with `max_id`, `since_id`, "
        "`min_id`, `limit` (default 100, at most 200) and the `Link` header. Needs "
        "`admin:read:accounts` and the moderator role."
    ),
)
async def list_accounts(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        filt = reports.AccountFilter(
            local=bool(p.bool("local", False)),
            remote=bool(p.bool("remote", False)),
            active=bool(p.bool("active", False)),
            pending=bool(p.bool("pending", False)),
            disabled=bool(p.bool("disabled", False)),
            silenced=bool(p.bool("silenced", False)),
            suspended=bool(p.bool("suspended", False)),
            staff=bool(p.bool("staff", False)),
            username=p.str("username") or None,
            display_name=p.str("display_name") or None,
            email=p.str("email") or None,
            by_domain=p.str("by_domain") or None,
        )
        page = p.page(default=100, maximum=200)
        found = reports.list_accounts(ctx.session, ctx.account, filt, page, domain=ctx.services.settings.domain)
        views = AdminViews(ctx)
        return ctx.paged([Paged(a.id, a) for a in found], [views.account(a) for a in found])

    return await call(request, work, scope="admin:read:accounts")


# Mastodon's account actions and what they are in Parley. Mastodon's "sensitive" (all media
# always sensitive) and "silence" (the whole account limited) have no account-wide
# counterpart here: Parley marks and limits posts, one decision each, with a rule.
_ACTIONS = {"none": ("warn",), "disable": ("lock",), "suspend": ("suspend",)}
_NOT_HERE = {
    "sensitive": "Parley marks posts sensitive one by one: decide on the posts with the sensitive action",
    "silence": "Parley limits the reach of posts one by one: decide on the posts with the limit_reach action",
}


@router.post(
    "/api/v1/admin/accounts/{account_id}/action",
    summary="Act on an account (Mastodon admin API)",
    description=(
        "`type`: `none` (a warning), `disable` (a lock; `duration_hours`, default a year), or "
        "`suspend`; `sensitive` and `silence` answer 422 (Parley acts on posts for those). "
        "`report_id` closes that report's case with the decision; `text` is the reasons. Parley "
        "extension: `rule_id` (required unless the report names exactly one rule). Answers {} as "
        "Mastodon does; the decision is at /api/parley/v1/decisions."
    ),
)
async def account_action(request: Request, account_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        kind = p.required("type")
        if kind in _NOT_HERE:
            raise Invalid(_NOT_HERE[kind])
        if kind not in _ACTIONS:
            raise Invalid("type must be none, disable, suspend, sensitive or silence")
        target = ctx.target(account_id)
        report_id = p.id("report_id")
        case = None
        rule_id = p.str("rule_id")
        if report_id is not None:
            report, case = reports.report_for_decision(ctx.session, ctx.account, report_id, target.id)
            named = json.loads(report.rule_ids_json)
            if rule_id is None and len(named) == 1:
                rule_id = named[0]
        if not rule_id:
            raise Invalid("Name the rule the account broke: rule_id")
        hours = p.int("duration_hours", MAX_LOCK_HOURS, minimum=1, maximum=MAX_LOCK_HOURS) if kind == "disable" else None
        decide(
            ctx.session,
            ctx.services.settings,
            ctx.account,
            target.id,
            DecisionInput(rule_id=rule_id, actions=_ACTIONS[kind], reasons=p.str("text") or "", duration_hours=hours),
            case=case,
        )
        return json_response({})

    return await call(request, work, scope="admin:write:accounts")
