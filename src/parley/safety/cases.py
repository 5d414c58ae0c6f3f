"""Cases: the reports and automated flags about one account, worked as one item.

A case's history is an append-only list of ``CaseEvent`` rows (after Bluesky Ozone):
every change below appends one, naming who made it and whether it was automated, and the
case row only keeps the state those events lead to (open, escalated or closed; priority;
assignee). At most one case per account is not closed: reports about an account (and its
posts) gather into that one.

Priority orders the queue: ten times the weight of the gravest report (the severity of
the rules it names, 1 to 5; see ``report_weight``) plus the number of distinct sources
(reporters, detectors), so severity outranks volume and one person repeating a report
does not climb the queue. A report never lowers it. A moderator may set it; a report from
a new source then adds one to what they set.

Moderators act through ``access_case``, which checks the permissions of
``parley.safety.permissions``: nobody handles a case about their own account.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Conflict, Invalid, NotFound
from parley.pagination import Page, apply, newest_first
from parley.safety import permissions, policy
from parley.safety.catalog import RULE_ID, CatalogRule, published_rules
from parley.safety.decisions import account_facts, active_strikes
from parley.settings import Settings
from parley.store.tables import Account, Case, CaseEvent, CasePost, Report, utcnow

STATES = ("open", "escalated", "closed")
NOT_CLOSED = ("open", "escalated")
MAX_NOTE = 5000
MAX_REASON = 2000
MAX_PRIORITY = 1000
# Report categories without rules: spam weighs as the spam rule does, a notice of
# illegal content as a severe rule (the law may set a deadline), anything else the least.
CATEGORY_WEIGHTS = {"spam": 2, "legal": 4, "other": 1, "violation": 1}


# --- priority (pure) ----------------------------------------------------------------------


def report_weight(category: str, rule_severities: Iterable[int]) -> int:
    """How urgent one report is, 1 to 5: the gravest rule it names, else its category's weight."""
    severities = list(rule_severities)
    if severities:
        return max(severities)
    return CATEGORY_WEIGHTS.get(category, 1)


def bumped_priority(current: int, weight: int, *, sources: int, new_source: bool) -> int:
    """The case's priority after a report of ``weight``; ``sources`` counts the distinct
    sources of its reports, this one included (see the module docstring)."""
    raised = max(current + (1 if new_source else 0), 10 * weight + sources)
    return min(raised, MAX_PRIORITY)


# --- filing reports -----------------------------------------------------------------------


def open_or_get_case(
    session: Session, account_id: int, *, actor_id: int | None = None, automated: bool = False, now: datetime | None = None
) -> Case:
    """The account's case that is not closed, opened (with an ``opened`` event) if none is."""
    now = now or utcnow()
    # Two reports filed at once must not open two cases: lock the account's row while
    # looking (PostgreSQL; SQLite runs one writing transaction at a time anyway).
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    case = session.scalar(
        select(Case).where(Case.account_id == account_id, Case.state.in_(NOT_CLOSED)).order_by(Case.id.desc()).limit(1)
    )
    if case is not None:
        return case
    case = Case(id=ids.new_id(), account_id=account_id, state="open", priority=0, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    _event(session, case, "opened", actor_id, automated, {}, now)
    return case


def file_report(
    session: Session, report: Report, *, weight: int, queued_by: int | None = None, now: datetime | None = None
) -> Case:
    """Gather ``report`` (added to the session, not yet in a case) into its account's case.

    Adds the reported posts to the case, appends a ``report`` event (a ``flag`` event,
    automated, for a detector's report) and raises the case's priority. ``queued_by`` is
    the moderator who queued a muted reporter's report by reopening it.
    """
    now = now or utcnow()
    automated = report.detector is not None
    case = open_or_get_case(session, report.account_id, actor_id=report.reporter_id, automated=automated, now=now)
    heard = _sources(session, case.id)
    source = _source(report.reporter_id, report.detector)
    new_source = source not in heard
    report.case_id = case.id
    session.flush()
    status_ids = json.loads(report.post_ids_json)
    listed = set(session.scalars(select(CasePost.post_id).where(CasePost.case_id == case.id)))
    for post_id in dict.fromkeys(int(p) for p in status_ids):
        if post_id not in listed:
            session.add(CasePost(case_id=case.id, post_id=post_id))
    before = case.priority
    case.priority = bumped_priority(case.priority, weight, sources=len(heard | {source}), new_source=new_source)
    data: dict[str, Any] = {
        "report_id": str(report.id),
        "category": report.category,
        "rule_ids": json.loads(report.rule_ids_json),
        "status_ids": status_ids,
        "priority": {"from": before, "to": case.priority},
    }
    if queued_by is not None:
        data["queued_by_account_id"] = str(queued_by)
    if automated:
        data["detector"] = report.detector
        data["score"] = report.score
    _event(session, case, "flag" if automated else "report", report.reporter_id, automated, data, now)
    return case


def _source(reporter_id: int | None, detector: str | None) -> str:
    # A detector is one source whatever its version (its term lists change).
    return f"account:{reporter_id}" if reporter_id is not None else f"detector:{(detector or '').split('/')[0]}"


def _sources(session: Session, case_id: int) -> set[str]:
    """Who reported in the case so far: reporters, and detectors by name."""
    found = session.execute(select(Report.reporter_id, Report.detector).where(Report.case_id == case_id).distinct())
    return {_source(reporter_id, detector) for reporter_id, detector in found}


# --- moderators' actions ------------------------------------------------------------------


def access_case(session: Session, moderator: Account, case_id: int, *, for_update: bool = False) -> Case:
    """The case ``case_id`` if ``moderator`` may handle it; ``Forbidden`` or ``NotFound`` otherwise.

    The role is checked first, so people who are not moderators learn nothing of which
    cases exist.
    """
    permissions.check_moderator(moderator.role)
    case = session.get(Case, case_id, with_for_update=for_update)
    if case is None:
        raise NotFound("Record not found")
    permissions.check_handle_case(moderator.role, moderator.id, case.account_id)
    return case


def assign(session: Session, moderator: Account, case_id: int, assignee_id: int | None = None) -> Case:
    """Assign the case to ``assignee_id`` (default: the moderator); already so: no change."""
    case = access_case(session, moderator, case_id, for_update=True)
    assignee = moderator if assignee_id is None else session.get(Account, assignee_id)
    if assignee is None:
        raise NotFound("Record not found")
    permissions.check_assign(assignee.role, assignee.id, case.account_id)
    if case.assigned_to_id == assignee.id:
        return case
    data = {"account_id": str(assignee.id), "previous_account_id": _str_id(case.assigned_to_id)}
    case.assigned_to_id = assignee.id
    _event(session, case, "assigned", moderator.id, False, data)
    return case


def unassign(session: Session, moderator: Account, case_id: int) -> Case:
    """Leave the case to anyone; not assigned: no change."""
    case = access_case(session, moderator, case_id, for_update=True)
    if case.assigned_to_id is None:
        return case
    data = {"previous_account_id": _str_id(case.assigned_to_id)}
    case.assigned_to_id = None
    _event(session, case, "unassigned", moderator.id, False, data)
    return case


def add_note(session: Session, moderator: Account, case_id: int, text: str) -> CaseEvent:
    """A moderator's note on the case, kept in its history (closed cases take notes too)."""
    case = access_case(session, moderator, case_id, for_update=True)
    text = (text or "").strip()
    if not text:
        raise Invalid("Validation failed: A note needs text")
    if len(text) > MAX_NOTE:
        raise Invalid("Validation failed: A note can be at most %(max_note)s characters", max_note=MAX_NOTE)
    return _event(session, case, "note", moderator.id, False, {"text": text})


def set_priority(session: Session, moderator: Account, case_id: int, priority: int) -> Case:
    case = access_case(session, moderator, case_id, for_update=True)
    if not 0 <= priority <= MAX_PRIORITY:
        raise Invalid("Validation failed: Priority must be from 0 to %(max_priority)s", max_priority=MAX_PRIORITY)
    _check_not_closed(case, "change its priority")
    if case.priority == priority:
        return case
    data = {"from": case.priority, "to": priority}
    case.priority = priority
    _event(session, case, "priority", moderator.id, False, data)
    return case


def escalate(session: Session, moderator: Account, case_id: int, reason: str | None = None) -> Case:
    """Send the case up for a senior or cross-functional review; already escalated: no change."""
    case = access_case(session, moderator, case_id, for_update=True)
    _check_not_closed(case, "escalate it")
    if case.state == "escalated":
        return case
    case.state = "escalated"
    _event(session, case, "escalated", moderator.id, False, {"reason": _reason(reason)})
    return case


def close(session: Session, moderator: Account, case_id: int, reason: str | None = None) -> Case:
    """Close the case without a decision (its reports count as resolved); closed: no change."""
    case = access_case(session, moderator, case_id, for_update=True)
    if case.state == "closed":
        return case
    now = utcnow()
    case.state = "closed"
    case.closed_at = now
    for report in session.scalars(select(Report).where(Report.case_id == case.id, Report.action_taken_at.is_(None))):
        report.action_taken_at = now
    _event(session, case, "closed", moderator.id, False, {"reason": _reason(reason)}, now)
    return case


def reopen(session: Session, moderator: Account, case_id: int) -> Case:
    """Open a closed case again; not closed: no change. Refused while the account has
    another case open (reports since the close went there)."""
    case = access_case(session, moderator, case_id, for_update=True)
    if case.state != "closed":
        return case
    other = session.scalar(
        select(Case.id).where(Case.account_id == case.account_id, Case.state.in_(NOT_CLOSED), Case.id != case.id)
    )
    if other is not None:
        raise Conflict("This account has another open case (%(other)s); work on that one instead", other=other)
    case.state = "open"
    case.closed_at = None
    for report in session.scalars(select(Report).where(Report.case_id == case.id)):
        report.action_taken_at = None
    _event(session, case, "reopened", moderator.id, False, {})
    return case


def _check_not_closed(case: Case, doing: str) -> None:
    if case.state == "closed":
        raise Invalid(f"This case is closed; reopen it to {doing}")


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise Invalid("Validation failed: A reason can be at most %(max_reason)s characters", max_reason=MAX_REASON)
    return text or None


def _str_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def _event(
    session: Session,
    case: Case,
    kind: str,
    actor_id: int | None,
    automated: bool,
    data: dict[str, Any],
    now: datetime | None = None,
) -> CaseEvent:
    now = now or utcnow()
    event = CaseEvent(
        id=ids.new_id(),
        case_id=case.id,
        kind=kind,
        actor_id=actor_id,
        automated=automated,
        data_json=json.dumps(data, ensure_ascii=False),
        created_at=now,
    )
    session.add(event)
    case.updated_at = now
    session.flush()
    return event


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    rule_id: str | None = None
    account_id: int | None = None
    report_id: int | None = None


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    report_count: int
    rule_ids: tuple[str, ...]  # named in its reports, in the order first named
    post_ids: tuple[int, ...]


def check_filter(filt: CaseFilter) -> None:
    if filt.state is not None and filt.state not in STATES:
        raise Invalid(f"Validation failed: state must be one of {', '.join(STATES)}")
    if filt.rule_id is not None and not RULE_ID.match(filt.rule_id):
        raise Invalid("Validation failed: rule_id is not a rule id")


def list_cases(session: Session, moderator: Account, filt: CaseFilter, page: Page) -> list[CaseSummary]:
    """A page of the cases ``moderator`` may handle, newest first."""
    permissions.check_moderator(moderator.role)
    check_filter(filt)
    stmt = select(Case).where(Case.account_id != moderator.id)
    if filt.state is not None:
        stmt = stmt.where(Case.state == filt.state)
    if filt.account_id is not None:
        stmt = stmt.where(Case.account_id == filt.account_id)
    if filt.report_id is not None:
        stmt = stmt.where(exists().where(Report.case_id == Case.id, Report.id == filt.report_id))
    if filt.rule_id is not None:
        # Rule ids are slugs (checked above), stored as a JSON list of strings: the quoted
        # id matches exactly that id, on every backend.
        named = Report.rule_ids_json.like(f'%"{filt.rule_id}"%')
        stmt = stmt.where(exists().where(Report.case_id == Case.id, named))
    found = newest_first(list(session.scalars(apply(stmt, Case.id, page))), page)
    return summarise(session, found)


def summarise(session: Session, found: Sequence[Case]) -> list[CaseSummary]:
    """Report counts, rules and posts of a page of cases, in two queries."""
    case_ids = [c.id for c in found]
    counts: dict[int, int] = {}
    rules: dict[int, list[str]] = {}
    posts: dict[int, list[int]] = {}
    if case_ids:
        for row in session.execute(
            select(Report.case_id, Report.rule_ids_json).where(Report.case_id.in_(case_ids)).order_by(Report.id)
        ):
            case_id, rule_ids_json = row[0], row[1]
            if case_id is None:  # not asked for; keeps the type checker sure
                continue
            counts[case_id] = counts.get(case_id, 0) + 1
            named = rules.setdefault(case_id, [])
            named.extend(r for r in json.loads(rule_ids_json) if r not in named)
        for case_id, post_id in session.execute(
            select(CasePost.case_id, CasePost.post_id).where(CasePost.case_id.in_(case_ids)).order_by(CasePost.post_id)
        ):
            posts.setdefault(case_id, []).append(post_id)
    return [
        CaseSummary(c, counts.get(c.id, 0), tuple(rules.get(c.id, [])), tuple(posts.get(c.id, [])))
        for c in found
    ]


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    account: Account
    reports: list[Report]
    events: list[CaseEvent]
    proposals: list[policy.Proposal]
    public_interest_account: bool
    active_strikes: int


def get_case_for(session: Session, settings: Settings, moderator: Account, case_id: int) -> CaseDetail:
    """Everything a moderator needs to decide a case, with the policy engine's proposal."""
    case = access_case(session, moderator, case_id)
    summary = summarise(session, [case])[0]
    account = session.get(Account, case.account_id)
    assert account is not None  # cases are deleted with their account
    reports = list(session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id)))
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    facts = account_facts(session, account)
    strikes = active_strikes(session, settings, account.id)
    ladder = policy.parse_ladder(settings.strike_ladder)
    proposals = [
        policy.propose(
            rule.facts(),
            facts,
            active_strikes=strikes,
            ladder=ladder,
            min_followers=settings.public_interest_min_followers,
        )
        for rule in proposal_rules(published_rules(session), summary.rule_ids)
    ]
    return CaseDetail(
        summary=summary,
        account=account,
        reports=reports,
        events=events,
        proposals=proposals,
        public_interest_account=policy.is_public_interest_account(facts, settings.public_interest_min_followers),
        active_strikes=strikes,
    )


def proposal_rules(current: Sequence[CatalogRule], named: Sequence[str]) -> list[CatalogRule]:
    """The rules to propose under: the ones the reports name that are still in force, in
    the order named; every rule in force when the reports name none (or none in force)."""
    by_id = {rule.id: rule for rule in current}
    chosen = [by_id[rule_id] for rule_id in named if rule_id in by_id]
    return chosen or list(current)
