"""``POST /api/v1/reports``: report an account, and posts of it, to the moderators."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import Json, iso
from parley.safety import reports
from parley.store.tables import Report

router = APIRouter()


def report_entity(report: Report, target: Json) -> Json:
    """Mastodon's Report entity, as the reporter sees it."""
    status_ids = _ids(report.post_ids_json)
    rule_ids = _ids(report.rule_ids_json)
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        # Every account here is local: there is no other server to forward to.
        "forwarded": False,
        "created_at": iso(report.created_at),
        "status_ids": status_ids or None,
        "rule_ids": rule_ids or None,
        "target_account": target,
    }


def _ids(raw: str) -> list[str]:
    return [str(v) for v in json.loads(raw)]


@router.post(
    "/api/v1/reports",
    summary="Report an account (and posts of it) to the moderators",
    description=(
        "Form or JSON parameters as Mastodon: `account_id` (required), `status_ids[]` (posts of "
        "that account you can see), `comment` (up to 1000 characters), `forward`, `category` "
        "(`spam`, `legal`, `violation` or `other`, the default; naming `rule_ids[]` makes it "
        "`violation`), `rule_ids[]` (ids of rules in force, from `GET /api/v1/instance/rules`). "
        "Answers the Report entity. Needs `write:reports`; rate limited per token."
    ),
)
async def create(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        data = reports.ReportInput(
            account_id=parse_id(p.required("account_id")),
            status_ids=tuple(parse_id(s) for s in p.list("status_ids")),
            comment=p.str("comment") or "",
            forward=bool(p.bool("forward", False)),
            category=p.str("category"),
            rule_ids=tuple(p.list("rule_ids")),
        )
        report = reports.create_report(ctx.session, ctx.account, data)
        target = ctx.ser.account(ctx.target(str(report.account_id)))
        return json_response(report_entity(report, target))

    return await call(request, work, scope="write:reports", limit_key="report")
