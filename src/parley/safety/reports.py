"""Reports by people (``POST /api/v1/reports``), muted reporters, and what moderators read
of reports and accounts (the Mastodon admin API).

A report names an account, optionally posts of it the reporter can see, a category and
the rules it says were broken. It is gathered into the account's open case
(``parley.safety.cases``), unless a moderator muted the reporter: then it is kept, but
opens no case and raises no priority (after Bluesky Ozone's "mute reporter").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound
from parley.pagination import Page, apply, newest_first
from parley.posts.access import visible_by_ids
from parley.safety import cases, permissions
from parley.safety.catalog import published_rules
from parley.store.tables import Account, Case, CaseEvent, MutedReporter, Report, utcnow
from parley.visibility import Context

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000  # Mastodon's default
MAX_STATUSES = 100


@dataclass(frozen=True)
class ReportInput:
    account_id: int
    status_ids: tuple[int, ...] = ()
    comment: str = ""
    forward: bool = False
    category: str | None = None
    rule_ids: tuple[str, ...] = ()


def create_report(session: Session, reporter: Account, data: ReportInput, *, now: datetime | None = None) -> Report:
    """File a report by ``reporter`` and gather it into the account's case."""
    now = now or utcnow()
    target = session.get(Account, data.account_id)
    if target is None:
        raise NotFound("Record not found")
    if target.id == reporter.id:
        raise Invalid("Validation failed: You cannot report your own account")
    comment = data.comment or ""
    if len(comment) > MAX_COMMENT:
        raise Invalid("Validation failed: Comment is too long (maximum is %(max_comment)s characters)", max_comment=MAX_COMMENT)
    category = data.category or "other"
    if category not in CATEGORIES:
        raise Invalid(f"Validation failed: Category must be one of {', '.join(CATEGORIES)}")
    rule_ids = list(dict.fromkeys(data.rule_ids))
    if rule_ids:
        # As Mastodon 4: naming rules makes the report a violation report, whatever
        # category was given.
        category = "violation"
    severities = _check_rules(session, category, rule_ids)
    post_ids = _check_statuses(session, reporter, target, data.status_ids)

    report = Report(
        id=ids.new_id(),
        reporter_id=reporter.id,
        account_id=target.id,
        category=category,
        comment=comment,
        rule_ids_json=json.dumps(rule_ids),
        post_ids_json=json.dumps([str(p) for p in post_ids]),
        forward=data.forward,
        created_at=now,
    )
    session.add(report)
    if session.get(MutedReporter, reporter.id) is None:
        cases.file_report(session, report, weight=cases.report_weight(category, severities), now=now)
    session.flush()
    return report


def _check_rules(session: Session, category: str, rule_ids: list[str]) -> list[int]:
    """The severities of the named rules, which must all be in force."""
    if category != "violation":
        return []
    if not rule_ids:
        raise Invalid("Validation failed: A violation report must name the rules broken (rule_ids[])")
    current = _severities(session)
    unknown = [r for r in rule_ids if r not in current]
    if unknown:
        raise Invalid(f"Validation failed: Rule ids does not reference valid rules: {', '.join(unknown)}")
    return [current[r] for r in rule_ids]


def _check_statuses(session: Session, reporter: Account, target: Account, status_ids: tuple[int, ...]) -> list[int]:
    """The reported posts: each must be the target's and one the reporter can see."""
    wanted = list(dict.fromkeys(status_ids))
    if len(wanted) > MAX_STATUSES:
        raise Invalid("Validation failed: A report can attach at most %(max_statuses)s posts", max_statuses=MAX_STATUSES)
    seen = {s.post.id: s.post for s in visible_by_ids(session, reporter.id, wanted, Context.DIRECT_LINK)}
    for post_id in wanted:
        post = seen.get(post_id)
        # A post the reporter cannot see is "not found", as everywhere.
        if post is None:
            raise NotFound("Record not found")
        if post.account_id != target.id:
            raise Invalid("Validation failed: Status %(post_id)s is not by the reported account", post_id=post_id)
    return wanted


# --- muted reporters ----------------------------------------------------------------------


def mute_reporter(session: Session, moderator: Account, account_id: int) -> MutedReporter:
    """Keep ``account_id``'s future reports out of the queue; already muted: no change."""
    permissions.check_moderator(moderator.role)
    if session.get(Account, account_id) is None:
        raise NotFound("Record not found")
    muted = session.get(MutedReporter, account_id)
    if muted is None:
        muted = MutedReporter(account_id=account_id, muted_by_id=moderator.id, created_at=utcnow())
        session.add(muted)
        session.flush()
    return muted


def unmute_reporter(session: Session, moderator: Account, account_id: int) -> None:
    """Let ``account_id``'s reports open cases again; not muted: no change."""
    permissions.check_moderator(moderator.role)
    if session.get(Account, account_id) is None:
        raise NotFound("Record not found")
    muted = session.get(MutedReporter, account_id)
    if muted is not None:
        session.delete(muted)
        session.flush()


# --- reports as moderators read them ------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """Mastodon's filters; without ``resolved``, the queue: reports in a case not closed.

    A report counts as resolved when its case is closed, or when it never entered one
    (its reporter was muted): either way nobody needs to look at it.
    """

    resolved: bool = False
    account_id: int | None = None  # the reporter
    target_account_id: int | None = None


def access_report(session: Session, moderator: Account, report_id: int) -> tuple[Report, Case | None]:
    """The report and its case, if ``moderator`` may handle it."""
    permissions.check_moderator(moderator.role)
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("Record not found")
    permissions.check_handle_case(moderator.role, moderator.id, report.account_id)
    case = session.get(Case, report.case_id) if report.case_id is not None else None
    return report, case


def assign_report_to_self(session: Session, moderator: Account, report_id: int) -> Report:
    """Take the report's case (Mastodon's ``assign_to_self``)."""
    report, case = access_report(session, moderator, report_id)
    cases.assign(session, moderator, _queued(case).id)
    return report


def unassign_report(session: Session, moderator: Account, report_id: int) -> Report:
    report, case = access_report(session, moderator, report_id)
    cases.unassign(session, moderator, _queued(case).id)
    return report


def resolve_report(session: Session, moderator: Account, report_id: int) -> Report:
    """Close the report's case, with every report in it; a muted reporter's report
    counts as resolved already."""
    report, case = access_report(session, moderator, report_id)
    if case is not None:
        cases.close(session, moderator, case.id)
    return report


def reopen_report(session: Session, moderator: Account, report_id: int) -> Report:
    """Open the report's case again; a muted reporter's report goes into the queue now."""
    report, case = access_report(session, moderator, report_id)
    if case is not None:
        cases.reopen(session, moderator, case.id)
        return report
    # The rules named that are still in force: one may have been retired since.
    current = _severities(session)
    severities = [current[r] for r in json.loads(report.rule_ids_json) if r in current]
    cases.file_report(session, report, weight=cases.report_weight(report.category, severities), queued_by=moderator.id)
    return report


def report_for_decision(
    session: Session, moderator: Account, report_id: int, account_id: int
) -> tuple[Report, Case | None]:
    """The report a decision on ``account_id`` answers, with its case unless that is closed
    (the decision then closes no case)."""
    report, case = access_report(session, moderator, report_id)
    if report.account_id != account_id:
        raise Invalid("The report is not about this account")
    if case is not None and case.state == "closed":
        return report, None
    return report, case


def _queued(case: Case | None) -> Case:
    if case is None:
        raise Invalid("This report's reporter is muted, so it is in no case; reopen it to queue it")
    return case


def _severities(session: Session) -> dict[str, int]:
    """The severity of each rule in force."""
    return {rule.id: rule.severity for rule in published_rules(session)}


def list_reports(session: Session, moderator: Account, filt: ReportFilter, page: Page) -> list[Report]:
    """A page of reports ``moderator`` may handle, newest first."""
    permissions.check_moderator(moderator.role)
    stmt = select(Report).outerjoin(Case, Case.id == Report.case_id).where(Report.account_id != moderator.id)
    if filt.resolved:
        stmt = stmt.where(or_(Report.case_id.is_(None), Case.state == "closed"))
    else:
        stmt = stmt.where(Case.state.in_(cases.NOT_CLOSED))
    if filt.account_id is not None:
        stmt = stmt.where(Report.reporter_id == filt.account_id)
    if filt.target_account_id is not None:
        stmt = stmt.where(Report.account_id == filt.target_account_id)
    found = newest_first(list(session.scalars(apply(stmt, Report.id, page))), page)
    return found


def cases_of(session: Session, reports: list[Report]) -> dict[int, Case]:
    case_ids = {r.case_id for r in reports if r.case_id is not None}
    if not case_ids:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}


def resolvers(session: Session, case_ids: set[int]) -> dict[int, int | None]:
    """Who closed each closed case (the last ``closed`` or ``decided`` event's actor)."""
    if not case_ids:
        return {}
    out: dict[int, int | None] = {}
    for case_id, actor_id in session.execute(
        select(CaseEvent.case_id, CaseEvent.actor_id)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind.in_(("closed", "decided")))
        .order_by(CaseEvent.id)
    ):
        out[case_id] = actor_id
    return out


# --- accounts as moderators read them -----------------------------------------------------


@dataclass(frozen=True)
class AccountFilter:
    """Mastodon's ``GET /api/v1/admin/accounts`` filters that mean something here.

    Every account is local and approved; none is silenced. ``disabled`` is an account
    locked until a time still to come.
    """

    local: bool = False
    remote: bool = False
    active: bool = False
    pending: bool = False
    disabled: bool = False
    silenced: bool = False
    suspended: bool = False
    staff: bool = False
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    by_domain: str | None = None


def list_accounts(
    session: Session, moderator: Account, filt: AccountFilter, page: Page, *, domain: str, now: datetime | None = None
) -> list[Account]:
    """A page of accounts matching ``filt``, newest first."""
    permissions.check_moderator(moderator.role)
    now = now or utcnow()
    # Filters no account here can match: remote or pending accounts, silenced ones,
    # or another domain.
    if filt.remote or filt.pending or filt.silenced:
        return []
    if filt.by_domain is not None and filt.by_domain.lower() != domain.lower():
        return []
    stmt = select(Account)
    if filt.active:
        stmt = stmt.where(Account.suspended_at.is_(None), or_(Account.locked_until.is_(None), Account.locked_until <= now))
    if filt.disabled:
        stmt = stmt.where(Account.locked_until > now)
    if filt.suspended:
        stmt = stmt.where(Account.suspended_at.is_not(None))
    if filt.staff:
        stmt = stmt.where(Account.role.in_(tuple(permissions.MODERATOR_ROLES)))
    if filt.username:
        stmt = stmt.where(Account.username_lower.startswith(filt.username.lower(), autoescape=True))
    if filt.display_name:
        stmt = stmt.where(func.lower(Account.display_name).contains(filt.display_name.lower(), autoescape=True))
    if filt.email:
        stmt = stmt.where(Account.email_lower == filt.email.lower())
    found = newest_first(list(session.scalars(apply(stmt, Account.id, page))), page)
    return found
