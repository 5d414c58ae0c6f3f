"""What the moderator console reads: the queue in the order moderators work it, an
account's record, the posts of a case as a reviewer sees them, the policy engine's
proposal under any rule, and the statement of reasons a decision would publish.

Every function checks the moderator role first, as ``parley.safety.cases`` does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session

from parley.errors import Invalid
from parley.posts.access import Seen
from parley.safety import cases, decisions, permissions, policy
from parley.safety.catalog import RULE_ID, CatalogRule
from parley.settings import Settings
from parley.store.db import ENQUEUED
from parley.store.tables import Account, Case, Decision, Post, PublicOffice, Report
from parley.transparency import log as transparency_log
from parley.transparency.statements import public_statement
from parley.visibility import NONE, Show, Verdict

# The queue's states: the default shows every case still to be worked.
QUEUE_STATES = ("pending", "open", "escalated", "closed", "all")
MAX_QUEUE = 100


@dataclass(frozen=True)
class QueueFilter:
    state: str = "pending"  # open or escalated
    rule_id: str | None = None
    min_priority: int | None = None


@dataclass(frozen=True)
class QueueItem:
    summary: cases.CaseSummary
    account: Account
    public_interest_account: bool


def check_queue_filter(filt: QueueFilter) -> None:
    if filt.state not in QUEUE_STATES:
        raise Invalid(f"Validation failed: state must be one of {', '.join(QUEUE_STATES)}")
    if filt.rule_id is not None and not RULE_ID.match(filt.rule_id):
        raise Invalid("Validation failed: rule_id is not a rule id")
    if filt.min_priority is not None and not 0 <= filt.min_priority <= cases.MAX_PRIORITY:
        raise Invalid("Validation failed: Priority must be from 0 to %(max_priority)s", max_priority=cases.MAX_PRIORITY)


def queue(
    session: Session, settings: Settings, moderator: Account, filt: QueueFilter, *, limit: int = 50, offset: int = 0
) -> list[QueueItem]:
    """Cases ``moderator`` may handle, in working order: public-interest accounts first
    (their cases are decided with most care and watched most closely), then by priority,
    then oldest first."""
    permissions.check_moderator(moderator.role)
    check_queue_filter(filt)
    public_interest = and_(
        PublicOffice.account_id.is_not(None),
        Account.verified.is_(True),
        Account.followers_count > settings.public_interest_min_followers,
    )
    first = case((public_interest, 0), else_=1)
    stmt = (
        select(Case, Account, first)
        .join(Account, Account.id == Case.account_id)
        .outerjoin(PublicOffice, PublicOffice.account_id == Case.account_id)
        .where(Case.account_id != moderator.id)
    )
    if filt.state == "pending":
        stmt = stmt.where(Case.state.in_(cases.NOT_CLOSED))
    elif filt.state != "all":
        stmt = stmt.where(Case.state == filt.state)
    if filt.rule_id is not None:
        # Rule ids are slugs (checked above), stored as JSON lists of strings.
        named = Report.rule_ids_json.like(f'%"{filt.rule_id}"%')
        stmt = stmt.where(select(Report.id).where(Report.case_id == Case.id, named).exists())
    if filt.min_priority is not None:
        stmt = stmt.where(Case.priority >= filt.min_priority)
    stmt = stmt.order_by(first, Case.priority.desc(), Case.id).limit(min(limit, MAX_QUEUE)).offset(max(offset, 0))
    found = list(session.execute(stmt))
    summaries = cases.summarise(session, [row[0] for row in found])
    return [QueueItem(s, row[1], row[2] == 0) for s, row in zip(summaries, found, strict=True)]


def account_record(session: Session, moderator: Account, account_id: int, limit: int = 20) -> list[Decision]:
    """The decisions about an account, newest first (reversals included), for the case page."""
    permissions.check_moderator(moderator.role)
    stmt = select(Decision).where(Decision.account_id == account_id).order_by(Decision.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def reversed_ids(session: Session, decision_ids: Sequence[int]) -> set[int]:
    """Which of ``decision_ids`` a later decision reversed."""
    if not decision_ids:
        return set()
    stmt = select(Decision.reverses_id).where(Decision.reverses_id.in_(list(decision_ids)))
    return {d for d in session.scalars(stmt) if d is not None}


def next_strike(settings: Settings, active_strikes: int, rule: CatalogRule | None = None) -> policy.AccountAction:
    """What one more strike costs an account with ``active_strikes`` (pure)."""
    return policy.ladder_action(
        active_strikes + 1,
        policy.parse_ladder(settings.strike_ladder),
        immediate_suspension=rule.immediate_suspension if rule is not None else False,
    )


def proposal_for(
    session: Session, settings: Settings, moderator: Account, account: Account, rule: CatalogRule
) -> policy.Proposal:
    """The policy engine's proposal for a violation of ``rule`` by ``account``: any rule in
    force, not only the ones the reports name."""
    permissions.check_moderator(moderator.role)
    return policy.propose(
        rule.facts(),
        decisions.account_facts(session, account),
        active_strikes=decisions.active_strikes(session, settings, account.id),
        ladder=policy.parse_ladder(settings.strike_ladder),
        min_followers=settings.public_interest_min_followers,
    )


def posts_for_review(session: Session, moderator: Account, post_ids: Sequence[int]) -> list[Seen[Post]]:
    """Posts as a moderator reviews them: whatever their audience or moderation state,
    shown in full (the state is the caller's to show), without interactions; the posts
    they reply to come next to them, before each."""
    permissions.check_moderator(moderator.role)
    wanted = list(dict.fromkeys(post_ids))
    if not wanted:
        return []
    found = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(wanted)))}
    parent_ids = [p.in_reply_to_id for p in found.values() if p.in_reply_to_id is not None and p.in_reply_to_id not in found]
    parents = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(parent_ids)))} if parent_ids else {}
    out: list[Seen[Post]] = []
    listed: set[int] = set()
    shown = Verdict(Show.SHOWN, NONE)
    for post_id in wanted:
        post = found.get(post_id)
        if post is None:
            continue
        parent = parents.get(post.in_reply_to_id) if post.in_reply_to_id is not None else None
        for item in (parent, post):
            if item is not None and item.id not in listed:
                listed.add(item.id)
                out.append(Seen(item, None, shown))
    return out


def preview_decision(
    session: Session, settings: Settings, moderator: Account, case_id: int, data: decisions.DecisionInput
) -> dict[str, Any]:
    """The statement of reasons deciding the case with ``data`` would publish, without
    deciding it; ``Invalid`` (or another refusal) exactly as ``decide_case`` would raise.

    The decision is made, logged and then rolled back inside a savepoint: the strike
    ladder, the notice, the scrubbing and the log entry are what ``decide`` does, so the
    statement is the one committing would publish, except for its id (``puid``) and the
    time, which committing assigns anew. Jobs the savepoint queued are forgotten with it.
    """
    permissions.check_moderator(moderator.role)
    enqueued = list(session.info.get(ENQUEUED, []))
    savepoint = session.begin_nested()
    try:
        decision = decisions.decide_case(session, settings, moderator, case_id, data)
        logged = transparency_log.entry_of(session, decision.id)
        if logged is not None:
            statement: dict[str, Any] = json.loads(logged[1])["statement_of_reasons"]
        else:
            statement = public_statement(session, decision, settings)
    finally:
        savepoint.rollback()
        session.info[ENQUEUED] = enqueued
    return statement


def reports_of(session: Session, moderator: Account, case_ids: Sequence[int]) -> dict[int, list[Report]]:
    """The reports of each case, oldest first: what a blind second reviewer reads."""
    permissions.check_moderator(moderator.role)
    out: dict[int, list[Report]] = {}
    if not case_ids:
        return out
    for report in session.scalars(select(Report).where(Report.case_id.in_(list(case_ids))).order_by(Report.id)):
        if report.case_id is not None:
            out.setdefault(report.case_id, []).append(report)
    return out
