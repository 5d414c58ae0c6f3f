"""Appeals: the affected person contests a decision once, within the window; a different
moderator resolves it. Approval reverses the decision (a new decision); rejection stands.
(DSA Art. 20: open at least six months, not decided solely by automated means.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Forbidden, Invalid, NotFound
from parley.safety.decisions import reverse
from parley.safety.permissions import check_moderator
from parley.settings import Settings
from parley.store.tables import Account, Appeal, Decision, Post, utcnow

MAX_TEXT = 2000


def _refusal(settings: Settings, decision: Decision, appealed: bool, reversed_by: int | None, now: datetime) -> Invalid | None:
    """Why ``decision`` cannot be appealed at ``now`` (None: it can). ``appeal`` raises it;
    ``decisions_for`` offers the form only when there is none."""
    if decision.reverses_id is not None:
        return Invalid("A reversal cannot be appealed")
    if reversed_by is not None:
        return Invalid("This decision was already reversed")
    if appealed:
        return Invalid("This decision was already appealed; each decision can be appealed once")
    if now > decision.created_at + timedelta(days=settings.appeal_window_days):
        return Invalid(
            "Decisions can be appealed within %(appeal_window_days)s days; this one no longer can",
            appeal_window_days=settings.appeal_window_days,
        )
    return None


def appeal(session: Session, settings: Settings, account: Account, decision_id: int, text: str) -> Appeal:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.account_id != account.id:
        raise NotFound("Record not found")
    appealed = session.scalar(select(Appeal.id).where(Appeal.decision_id == decision.id)) is not None
    reversed_by = session.scalar(select(Decision.id).where(Decision.reverses_id == decision.id))
    refusal = _refusal(settings, decision, appealed, reversed_by, utcnow())
    if refusal is not None:
        raise refusal
    text = text.strip()
    if not text:
        raise Invalid("Say why the decision is wrong: text")
    if len(text) > MAX_TEXT:
        raise Invalid("An appeal is at most %(max_text)s characters", max_text=MAX_TEXT)
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


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnDecision:
    """A decision about the person reading it, with what they can do about it."""

    decision: Decision
    appeal: Appeal | None
    reversed_by_id: int | None  # the decision that reversed this one
    appeal_deadline: datetime | None  # None for a reversal, which cannot be appealed
    can_appeal: bool
    post_text: str | None  # their own post's text, while they have not deleted it


def decisions_for(session: Session, settings: Settings, account: Account, *, limit: int = 50) -> list[OwnDecision]:
    """The decisions about ``account`` and its posts, newest first, as its owner sees them."""
    found = list(
        session.scalars(select(Decision).where(Decision.account_id == account.id).order_by(Decision.id.desc()).limit(limit))
    )
    ids = [d.id for d in found]
    appealed = {a.decision_id: a for a in session.scalars(select(Appeal).where(Appeal.decision_id.in_(ids)))} if ids else {}
    reversals: dict[int, int] = {}
    if ids:
        for reversed_id, reversal_id in session.execute(
            select(Decision.reverses_id, Decision.id).where(Decision.reverses_id.in_(ids))
        ):
            if reversed_id is not None:
                reversals[reversed_id] = reversal_id
    post_ids = {d.post_id for d in found if d.post_id is not None}
    texts: dict[int, str] = {}
    if post_ids:
        own_posts = select(Post.id, Post.text).where(
            Post.id.in_(post_ids), Post.account_id == account.id, Post.deleted_at.is_(None)
        )
        texts = {post_id: text for post_id, text in session.execute(own_posts)}
    now = utcnow()
    out: list[OwnDecision] = []
    for d in found:
        deadline = None if d.reverses_id is not None else d.created_at + timedelta(days=settings.appeal_window_days)
        reversed_by = reversals.get(d.id)
        appeal_row = appealed.get(d.id)
        can = _refusal(settings, d, appeal_row is not None, reversed_by, now) is None
        text = texts.get(d.post_id) if d.post_id is not None else None
        out.append(OwnDecision(d, appeal_row, reversed_by, deadline, can, text))
    return out


def pending_for(session: Session, moderator: Account, limit: int = 200) -> list[tuple[Appeal, Decision]]:
    """Pending appeals ``moderator`` may resolve, oldest first: never an appeal of their own
    decision, nor their own appeal."""
    check_moderator(moderator.role)
    stmt = (
        select(Appeal, Decision)
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(
            Appeal.state == "pending",
            or_(Decision.moderator_id.is_(None), Decision.moderator_id != moderator.id),
            Appeal.account_id != moderator.id,
        )
        .order_by(Appeal.id)
        .limit(limit)
    )
    return [(a, d) for a, d in session.execute(stmt)]


def access_appeal(session: Session, moderator: Account, appeal_id: int) -> tuple[Appeal, Decision]:
    """The appeal and the decision it contests, if ``moderator`` may resolve (or read) it."""
    check_moderator(moderator.role)
    row = session.get(Appeal, appeal_id)
    if row is None:
        raise NotFound("Record not found")
    decision = session.get(Decision, row.decision_id)
    assert decision is not None  # appeals are deleted with their decision
    if decision.moderator_id == moderator.id:
        raise Forbidden("An appeal must be resolved by a moderator other than the one who decided")
    if row.account_id == moderator.id:
        raise Forbidden("Moderators cannot resolve their own appeals")
    return row, decision
