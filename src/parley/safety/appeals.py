"""Appeals: the affected person contests a decision once, within the window; a different
moderator resolves it. Approval reverses the decision (a new decision); rejection stands.
(DSA Art. 20: open at least six months, not decided solely by automated means.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Forbidden, Invalid, NotFound
from parley.safety.decisions import reverse
from parley.safety.permissions import check_moderator
from parley.settings import Settings
from parley.store.tables import Account, Appeal, Decision, utcnow

MAX_TEXT = 2000


def appeal(session: Session, settings: Settings, account: Account, decision_id: int, text: str) -> Appeal:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.account_id != account.id:
        raise NotFound("Record not found")
    if decision.reverses_id is not None:
        raise Invalid("A reversal cannot be appealed")
    text = text.strip()
    if not text:
        raise Invalid("Say why the decision is wrong: text")
    if len(text) > MAX_TEXT:
        raise Invalid(f"An appeal is at most {MAX_TEXT} characters")
    if session.scalar(select(Appeal.id).where(Appeal.decision_id == decision.id)) is not None:
        raise Invalid("This decision was already appealed; each decision can be appealed once")
    if utcnow() > decision.created_at + timedelta(days=settings.appeal_window_days):
        raise Invalid(f"Decisions can be appealed within {settings.appeal_window_days} days; this one no longer can")
    row = Appeal(id=ids.new_id(), decision_id=decision.id, account_id=account.id, text=text, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def list_appeals(session: Session, moderator: Account, state: str = "pending", limit: int = 200) -> list[Appeal]:
    """Appeals in ``state`` (or every state, with ``all``), newest first."""
    check_moderator(moderator.role)
    stmt = select(Appeal).order_by(Appeal.id.desc()).limit(limit)
    if state != "all":
        stmt = stmt.where(Appeal.state == state)
    return list(session.scalars(stmt))


def resolve(
    session: Session, settings: Settings, moderator: Account, appeal_id: int, outcome: str, reasons: str
) -> Appeal:
    check_moderator(moderator.role)
    row = session.get(Appeal, appeal_id)
    if row is None:
        raise NotFound("Record not found")
    if row.state != "pending":
        raise Invalid("This appeal was already resolved")
    if outcome not in ("approve", "reject"):
        raise Invalid("outcome must be approve or reject")
    if not reasons.strip():
        raise Invalid("State the reasons for this outcome.")
    decision = session.get(Decision, row.decision_id)
    assert decision is not None
    if decision.moderator_id == moderator.id:
        raise Forbidden("An appeal must be resolved by a moderator other than the one who decided")
    if row.account_id == moderator.id:
        raise Forbidden("Moderators cannot resolve their own appeals")
    now = utcnow()
    if outcome == "approve":
        reversal = reverse(session, settings, moderator, decision, f"Appeal approved: {reasons.strip()}", now=now)
        row.resolution_decision_id = reversal.id
        row.state = "approved"
    else:
        row.state = "rejected"
    row.resolver_id = moderator.id
    row.resolution_reasons = reasons.strip()
    row.resolved_at = now
    session.flush()
    return row
