"""What the public transparency pages read: the aggregate report, the public-interest
notices in force, and a decision's entry and inclusion proof in the transparency log.

The report counts the decisions taken in a period (dates inclusive, UTC): per rule, per
action and per source; how many were found or taken by automated means; the median time
from the first report on a case to its decision; the appeals filed and their outcomes;
the public-interest notices issued; and the consistency audits' agreement per rule
(``parley.safety.audits.agreement_report``, over all reviews so far: an audit is done
after its decision, often in a later period). Reversals are counted apart, not as
decisions: a reversal takes back a decision, it does not find a violation. Per-moderator
agreement stays with the moderators' own API: it is about staff, not about the rules.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from parley.errors import Invalid
from parley.safety import audits
from parley.safety.catalog import CatalogRule, published_rules
from parley.safety.decisions import NOT_REVERSED
from parley.safety.notices import notice_text
from parley.safety.policy import ACTIONS, NOTICE
from parley.settings import Settings
from parley.store.tables import Account, Appeal, Decision, Post, Report
from parley.transparency import keys, log, merkle
from parley.transparency.dsa import parse_date
from parley.transparency.statements import account_url, post_url

SOURCES = ("report", "detector", "own_initiative")
APPEAL_STATES = ("pending", "approved", "rejected")


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included; None: unbounded."""

    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        low = datetime.combine(self.start, time(), UTC) if self.start else None
        high = datetime.combine(self.end + timedelta(days=1), time(), UTC) if self.end else None
        return low, high

    def where(self, column: Any) -> ColumnElement[bool]:
        low, high = self.bounds()
        clauses = [column >= low] if low else []
        if high:
            clauses.append(column < high)
        return and_(true(), *clauses)


def _day(value: str | None, name: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        raise Invalid(f"{name} must be a date written YYYY-MM-DD, not {text[:40]!r}")
    return day


def parse_period(start: str | None, end: str | None) -> Period:
    """A period from the ``from`` and ``to`` parameters; Invalid names the bad one."""
    period = Period(_day(start, "from"), _day(end, "to"))
    if period.start and period.end and period.start > period.end:
        raise Invalid("from must not be after to")
    return period


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    id: int
    case_id: int | None
    rule_id: str | None
    actions: tuple[str, ...]
    source: str
    automated_detection: bool
    automated_decision: str
    reverses_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class _CaseReport:
    created_at: datetime
    detector: bool


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _case_reports(session: Session, period: Period) -> dict[int, list[_CaseReport]]:
    """The reports on the cases of the decisions in ``period``, in one query."""
    cases = select(Decision.case_id).where(period.where(Decision.created_at), Decision.case_id.is_not(None))
    found = session.execute(
        select(Report.case_id, Report.created_at, Report.detector).where(Report.case_id.in_(cases))
    )
    out: dict[int, list[_CaseReport]] = {}
    for case_id, created_at, detector in found:
        if case_id is not None:
            out.setdefault(case_id, []).append(_CaseReport(created_at, detector is not None))
    return out


def summarise(rows: list[_Row], reports: dict[int, list[_CaseReport]]) -> dict[str, Any]:
    """The decision counts of the report, from rows already loaded (pure)."""
    decided = [r for r in rows if r.reverses_id is None]
    by_rule = Counter(r.rule_id or "unknown" for r in decided)
    by_action = Counter(a for r in decided for a in r.actions)
    by_source: Counter[str] = Counter()
    detected = automated = 0
    waits: list[float] = []
    for r in decided:
        before = [c for c in reports.get(r.case_id or 0, []) if c.created_at <= r.created_at]
        flagged = any(c.detector for c in before)
        if r.source == "notice":
            by_source["report"] += 1
        elif flagged:
            by_source["detector"] += 1
        else:
            by_source["own_initiative"] += 1
        if r.automated_detection or flagged:
            detected += 1
        if r.automated_decision in ("fully", "partially"):
            automated += 1
        if before:
            waits.append((r.created_at - min(c.created_at for c in before)).total_seconds())
    median = statistics.median(waits) if waits else None
    return {
        "decisions": len(decided),
        "reversals": len(rows) - len(decided),
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_action": {a: by_action[a] for a in ACTIONS},
        "by_source": {s: by_source[s] for s in SOURCES},
        "automated": {
            "detection": detected,
            "detection_share": _share(detected, len(decided)),
            "decision": automated,
            "decision_share": _share(automated, len(decided)),
        },
        "time_to_decision": {
            "decisions_after_reports": len(waits),
            "median_seconds": round(median) if median is not None else None,
            "median_hours": round(median / 3600, 2) if median is not None else None,
        },
        "public_interest_notices": {"issued": by_action[NOTICE]},
    }


def _rows(session: Session, period: Period) -> list[_Row]:
    stmt = (
        select(
            Decision.id, Decision.case_id, Decision.rule_id, Decision.actions_json, Decision.source,
            Decision.automated_detection, Decision.automated_decision, Decision.reverses_id, Decision.created_at,
        )
        .where(period.where(Decision.created_at))
        .order_by(Decision.id)
    )  # fmt: skip
    return [
        _Row(i, case, rule, tuple(json.loads(acts)), source, bool(det), auto, rev, at)
        for i, case, rule, acts, source, det, auto, rev, at in session.execute(stmt)
    ]


def _appeals(session: Session, period: Period) -> dict[str, int]:
    states: Counter[str] = Counter()
    for state, count in session.execute(
        select(Appeal.state, func.count()).where(period.where(Appeal.created_at)).group_by(Appeal.state)
    ):
        states[state] = count
    return {"filed": sum(states.values()), **{s: states[s] for s in APPEAL_STATES}}


def rule_titles(session: Session) -> dict[str, str]:
    return {rule.id: rule.title["en"] for rule in published_rules(session)}


def transparency_report(session: Session, period: Period) -> dict[str, Any]:
    """The aggregate report of ``period`` (see the module docstring)."""
    out = summarise(_rows(session, period), _case_reports(session, period))
    out["public_interest_notices"]["in_force"] = len(notices_in_force(session))
    agreement = audits.agreement_report(session)
    return {
        "period": {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat() if period.end else None,
        },
        **out,
        "appeals": _appeals(session, period),
        "consistency": {"overall": agreement["overall"], "by_rule": agreement["by_rule"]},
        "rules": rule_titles(session),
    }


# --- notices in force ---------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeInForce:
    """A post kept up behind the public-interest notice, with who wrote it and why."""

    decision_id: int
    decided_at: datetime
    post_id: int
    account_id: int
    username: str
    rule_id: str
    text: str


def notices_in_force(session: Session) -> list[NoticeInForce]:
    """Posts behind the notice now (not deleted or removed), newest decision first.

    Their authors are public-interest accounts: the notice is given to no one else, so
    they are named.
    """
    # Each post behind the notice with the decisions in force on it, in one query.
    found = session.execute(
        select(
            Post.id, Post.account_id, Post.notice_rule_id, Post.text, Account.username,
            Decision.id, Decision.created_at, Decision.actions_json,
        )
        .join(Account, Account.id == Post.account_id)
        .join(Decision, Decision.post_id == Post.id)
        .where(
            Post.notice_rule_id.is_not(None), Post.deleted_at.is_(None), Post.removed_at.is_(None),
            Decision.reverses_id.is_(None), NOT_REVERSED,
        )
    )  # fmt: skip
    latest: dict[int, NoticeInForce] = {}
    for post_id, account_id, rule_id, text, username, decision_id, decided_at, actions_json in found:
        if NOTICE not in json.loads(actions_json):
            continue
        if post_id not in latest or decision_id > latest[post_id].decision_id:
            latest[post_id] = NoticeInForce(decision_id, decided_at, post_id, account_id, username, rule_id or "", text)
    return sorted(latest.values(), key=lambda n: n.decision_id, reverse=True)


def public_notices(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """The notices in force as the public pages and API show them."""
    rules = {rule.id: rule for rule in published_rules(session)}
    return [notice_json(n, settings, rules) for n in notices_in_force(session)]


def notice_json(notice: NoticeInForce, settings: Settings, rules: dict[str, CatalogRule]) -> dict[str, Any]:
    rule = rules.get(notice.rule_id)
    return {
        "decision_id": str(notice.decision_id),
        "decided_at": notice.decided_at.strftime("%Y-%m-%d"),
        "account": {"handle": f"@{notice.username}@{settings.domain}", "url": account_url(settings.base_url, notice.username)},
        "post": {
            "id": str(notice.post_id),
            "url": post_url(settings.base_url, notice.username, notice.post_id),
            "text": notice.text,
        },
        "rule": {"id": notice.rule_id, "title": rule.title["en"] if rule else notice.rule_id},
        "notice": notice_text(rule) if rule else None,
    }


# --- a decision's place in the log --------------------------------------------------------


@dataclass(frozen=True)
class LogProof:
    """Where a decision's entry stands in the transparency log, and the proof of it."""

    index: int
    tree_size: int
    timestamp: int  # of the signed tree head, milliseconds since the epoch
    root_hash: str  # base64, as the log's API serves hashes
    signature: str
    leaf_hash: str
    audit_path: list[str]
    logged_at: str
    statement: dict[str, Any]  # the statement exactly as logged
    proven: bool  # the audit path leads from the leaf to the signed root


def log_proof(session: Session, settings: Settings, decision_id: int) -> LogProof | None:
    """The decision's entry with its inclusion proof in the current signed tree, or None
    when it has no entry (decided before the log existed)."""
    found = log.entry_of(session, decision_id)
    if found is None:
        return None
    index, data = found
    head = log.tree_head(session, settings)
    leaf = merkle.leaf_hash(data)
    path = log.inclusion_proof(session, index, head.tree_size)
    entry = json.loads(data)
    return LogProof(
        index=index,
        tree_size=head.tree_size,
        timestamp=head.timestamp,
        root_hash=keys.b64(head.root_hash),
        signature=keys.b64(head.signature),
        leaf_hash=keys.b64(leaf),
        audit_path=[keys.b64(h) for h in path],
        logged_at=str(entry.get("logged_at", "")),
        statement=dict(entry.get("statement_of_reasons") or {}),
        proven=merkle.verify_inclusion(leaf, index, head.tree_size, path, head.root_hash),
    )
