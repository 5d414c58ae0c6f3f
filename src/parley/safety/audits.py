"""Consistency audits: a sample of decided cases gets a blind second review.

When a case is decided, it is queued for audit with probability ``PARLEY_AUDIT_RATE``.
Another moderator reviews the case without seeing the first outcome and records theirs:
a violation of a rule, or none. Parley then reports, per rule and per moderator, how
often the two agree and Cohen's kappa (agreement corrected for chance), so an operator
can show that outcomes do not depend on who decides or whose post it is.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Forbidden, Invalid, NotFound
from parley.safety.catalog import get_rule
from parley.safety.permissions import check_moderator
from parley.safety.policy import ACTIONS
from parley.settings import Settings
from parley.store.tables import Account, Audit, Decision, utcnow

NO_VIOLATION = "none"


def maybe_queue(
    session: Session, settings: Settings, decision: Decision, *, draw: Callable[[], float] = random.random
) -> Audit | None:
    """Queue ``decision`` for a blind second review with probability ``audit_rate``."""
    if decision.reverses_id is not None or settings.audit_rate <= 0:
        return None
    if draw() >= settings.audit_rate:
        return None
    existing = session.scalar(select(Audit).where(Audit.decision_id == decision.id))
    if existing is not None:
        return existing
    audit = Audit(id=ids.new_id(), decision_id=decision.id, created_at=utcnow())
    session.add(audit)
    session.flush()
    return audit


def pending_for(session: Session, reviewer: Account, limit: int = 100) -> list[tuple[Audit, Decision]]:
    """Audits ``reviewer`` may take: not of their own decisions, nor about their account."""
    check_moderator(reviewer.role)
    stmt = (
        select(Audit, Decision)
        .join(Decision, Decision.id == Audit.decision_id)
        .where(
            Audit.state == "pending",
            Decision.moderator_id != reviewer.id,
            Decision.account_id != reviewer.id,
        )
        .order_by(Audit.id)
        .limit(limit)
    )
    return [(a, d) for a, d in session.execute(stmt)]


def review(
    session: Session,
    reviewer: Account,
    audit_id: int,
    *,
    violation: bool,
    rule_id: str | None,
    actions: Sequence[str],
    notes: str | None,
) -> Audit:
    check_moderator(reviewer.role)
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound("Record not found")
    if audit.state != "pending":
        raise Invalid("This audit was already reviewed")
    decision = session.get(Decision, audit.decision_id)
    assert decision is not None
    if decision.moderator_id == reviewer.id:
        raise Forbidden("You cannot review your own decision")
    if decision.account_id == reviewer.id:
        raise Forbidden("You cannot review a decision about your own account")
    if violation:
        if not rule_id:
            raise Invalid("Name the rule the post or account broke: rule_id")
        get_rule(session, rule_id)  # NotFound for a rule that does not exist
        unknown = [a for a in actions if a not in ACTIONS]
        if unknown:
            raise Invalid(f"Unknown action: {unknown[0]}")
    audit.violation = violation
    audit.rule_id = rule_id if violation else None
    audit.actions_json = json.dumps([a for a in ACTIONS if a in actions]) if violation else "[]"
    audit.notes = (notes or "").strip() or None
    audit.reviewer_id = reviewer.id
    audit.reviewed_at = utcnow()
    audit.state = "done"
    session.flush()
    return audit


# --- agreement ----------------------------------------------------------------------------


def cohens_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' categorical outcomes; None when undefined (no pairs,
    or both raters always gave the same single outcome, so chance agreement is 1)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Agreement:
    reviews: int
    agreement_rate: float | None
    kappa: float | None


def _agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    n = len(pairs)
    rate = sum(1 for a, b in pairs if a == b) / n if n else None
    return Agreement(n, rate, cohens_kappa(pairs))


def outcome_pairs(session: Session) -> Iterable[tuple[Decision, tuple[str, str]]]:
    """(first outcome, second outcome) for every reviewed audit: the rule, or "none"."""
    stmt = select(Audit, Decision).join(Decision, Decision.id == Audit.decision_id).where(Audit.state == "done")
    for audit, decision in session.execute(stmt):
        yield decision, (first_outcome(decision), second_outcome(audit))


def first_outcome(decision: Decision) -> str:
    """The first moderator's outcome: the rule applied, or "none"."""
    return decision.rule_id or NO_VIOLATION


def second_outcome(audit: Audit) -> str:
    """The reviewer's outcome: the rule they found broken, or "none"."""
    return audit.rule_id if audit.violation and audit.rule_id else NO_VIOLATION


def agreement_report(session: Session) -> dict[str, object]:
    """Agreement and kappa over all reviews, per rule and per moderator.

    Per rule, each reviewed case is a yes/no judgement by both raters ("does it break this
    rule?"), over all reviewed cases: a kappa restricted to the cases first decided under
    the rule would always be 0. Per moderator, the outcomes (a rule, or none) of the cases
    that moderator decided first.
    """
    everything: list[tuple[str, str]] = []
    by_moderator: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for decision, pair in outcome_pairs(session):
        everything.append(pair)
        by_moderator[str(decision.moderator_id)].append(pair)
    rules = sorted({r for pair in everything for r in pair if r != NO_VIOLATION})
    by_rule = {
        rule: _agreement([(str(a == rule), str(b == rule)) for a, b in everything]).__dict__ for rule in rules
    }
    return {
        "overall": _agreement(everything).__dict__,
        "by_rule": by_rule,
        "by_moderator": {k: _agreement(v).__dict__ for k, v in sorted(by_moderator.items())},
    }
