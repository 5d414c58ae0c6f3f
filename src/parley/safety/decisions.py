"""Decisions: a moderator applies a rule to a post or an account, with reasons.

A decision is never changed; a reversal is a new decision pointing at the one it reverses.
The moderation state kept on posts and accounts (removed, notice, label, limited,
sensitive; read-only, locked, suspended) is *derived* from the decisions in force, by
``recompute_post`` and ``recompute_account``, so a reversal lifts exactly what the
reversed decision imposed (after Bluesky Ozone: events in order, a status per subject).

Which actions a decision may take is the pure policy engine's (``parley.safety.policy``);
this module gathers its facts, records the outcome, applies the effects, adds the strike
and the ladder's step, and tells the person (a ``moderation_warning`` notification).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Forbidden, Invalid, NotFound
from parley.jobs.queue import enqueue
from parley.safety import audits, policy
from parley.safety.catalog import CatalogRule, get_rule
from parley.safety.permissions import check_handle_case, check_moderator
from parley.settings import Settings
from parley.store.raw import Statement, rows
from parley.store.tables import (
    Account,
    Case,
    CaseEvent,
    Decision,
    Notification,
    Post,
    PublicOffice,
    Report,
    Rule,
    Strike,
    utcnow,
)
from parley.transparency import log as transparency_log
from parley.transparency.statements import actions_of

# Actions that count as a strike against the account: the ones that find a violation the
# author answers for. A label, a sensitive mark, less reach or the public-interest notice
# alone do not (Twitter did not strike leaders' accounts for a notice).
STRIKING = frozenset({"remove", "warn", "read_only", "lock", "suspend"})
POST_ONLY = frozenset({"label", "sensitive", "limit_reach", "public_interest_notice", "remove", "read_only"})


@dataclass(frozen=True)
class DecisionInput:
    """What a moderator decides; ``post_id`` is the post the post actions act on."""

    rule_id: str
    actions: tuple[str, ...]
    reasons: str
    facts: str = ""
    post_id: int | None = None
    public_interest_assessment: str | None = None
    escalation_reason: str | None = None
    duration_hours: int | None = None
    label_text: str | None = None
    label_url: str | None = None
    automated_detection: bool = False


# --- facts --------------------------------------------------------------------------------


def account_facts(session: Session, account: Account) -> policy.AccountFacts:
    designated = session.get(PublicOffice, account.id) is not None
    return policy.AccountFacts(
        verified=account.verified, followers_count=account.followers_count, public_office=designated
    )


def active_strikes(session: Session, settings: Settings, account_id: int, now: datetime | None = None) -> int:
    """Strikes that still count against the account (not expired, not overturned)."""
    given = session.scalars(
        select(Strike.created_at).where(Strike.account_id == account_id, Strike.overturned_at.is_(None))
    )
    return policy.count_active_strikes(given, now or utcnow(), timedelta(days=settings.strike_expiry_days))


# Actions that take a post down until its author deletes it.
REMOVING = frozenset({"remove", "read_only"})

# Decisions no reversal has undone (reversals themselves included).
NOT_REVERSED = Decision.id.not_in(select(Decision.reverses_id).where(Decision.reverses_id.is_not(None)))


def _in_force(decisions: list[Decision]) -> list[Decision]:
    """Of all the decisions about one subject (reversals included), the ones no reversal
    undid, oldest first."""
    reversed_ids = {d.reverses_id for d in decisions if d.reverses_id is not None}
    return sorted((d for d in decisions if d.reverses_id is None and d.id not in reversed_ids), key=lambda d: d.id)


# --- deciding -----------------------------------------------------------------------------


def decide(
    session: Session,
    settings: Settings,
    moderator: Account,
    account_id: int,
    data: DecisionInput,
    *,
    case: Case | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record and apply a decision against ``account_id`` (and ``data.post_id``)."""
    now = now or utcnow()
    check_handle_case(moderator.role, moderator.id, account_id)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Record not found")
    post = _target_post(session, account, data)
    rule = get_rule(session, data.rule_id)
    facts = account_facts(session, account)
    chosen = policy.check_actions(
        rule.facts(),
        facts,
        data.actions,
        reasons=data.reasons,
        public_interest_assessment=data.public_interest_assessment,
        duration_hours=data.duration_hours,
        escalation_reason=data.escalation_reason,
        min_followers=settings.public_interest_min_followers,
    )
    if post is None and set(chosen) & POST_ONLY:
        raise Invalid("Post actions need the post they act on: give post_id")
    if "label" in chosen and not (data.label_text or "").strip():
        raise Invalid("A label needs its text: give label_text")
    pi = policy.is_public_interest_account(facts, settings.public_interest_min_followers)
    strike = bool(set(chosen) & STRIKING)
    reasons = data.reasons.strip()
    lock_hours = data.duration_hours
    if strike and not (pi and rule.public_interest_eligible):
        # The ladder sets what this strike costs; the moderator may have chosen more.
        step = policy.ladder_action(
            active_strikes(session, settings, account.id, now) + 1,
            policy.parse_ladder(settings.strike_ladder),
            immediate_suspension=rule.immediate_suspension,
        )
        # A lock or suspension the moderator did not choose (a suspension replaces a lock).
        if step.kind in rule.actions and step.kind not in chosen and "suspend" not in chosen:
            added = (*chosen, step.kind)
            chosen = tuple(a for a in policy.ACTIONS if a in added and not (step.kind == "suspend" and a == "lock"))
            lock_hours = step.hours
            reasons += f"\n\nStrike ladder: {step.describe()}."
    decision = Decision(
        id=ids.new_id(),
        case_id=case.id if case is not None else None,
        moderator_id=moderator.id,
        account_id=account.id,
        post_id=post.id if post is not None else None,
        rule_row_id=_rule_row_id(session, rule),
        rule_id=rule.id,
        rule_version=rule.version,
        actions_json=json.dumps(list(chosen)),
        facts=data.facts.strip(),
        reasons=reasons,
        public_interest=pi and rule.public_interest_eligible,
        public_interest_assessment=(data.public_interest_assessment or "").strip() or None,
        escalation_reason=(data.escalation_reason or "").strip() or None,
        label_text=(data.label_text or "").strip() or None,
        label_url=(data.label_url or "").strip() or None,
        duration_hours=lock_hours if "lock" in chosen else None,
        ends_at=now + timedelta(hours=lock_hours) if "lock" in chosen and lock_hours else None,
        automated_detection=data.automated_detection,
        automated_decision="not",
        source="notice" if case is not None and _has_person_report(session, case.id) else "voluntary",
        strike=strike,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    if strike:
        session.add(Strike(id=ids.new_id(), account_id=account.id, decision_id=decision.id, created_at=now))
    if post is not None:
        recompute_post(session, post)
        if post.removed_at is not None:
            enqueue(session, "withdraw", {"post_id": post.id})
    recompute_account(session, settings, account, now)
    _tell(session, decision)
    if case is not None:
        _close_case(session, case, moderator, decision, now)
    session.flush()
    transparency_log.append(session, settings, decision)
    audits.maybe_queue(session, settings, decision)
    return decision


def _target_post(session: Session, account: Account, data: DecisionInput) -> Post | None:
    if data.post_id is None:
        return None
    post = session.get(Post, data.post_id)
    if post is None or post.account_id != account.id:
        raise Invalid("The post is not one of this account's posts")
    if post.reblog_of_id is not None:
        raise Invalid("Decide on the original post, not a repost of it")
    # A case is about an account: any of its posts may be decided on, reported or not.
    return post


def _rule_row_id(session: Session, rule: CatalogRule) -> int | None:
    return session.scalar(select(Rule.id).where(Rule.rule_id == rule.id, Rule.version == rule.version))


def _has_person_report(session: Session, case_id: int) -> bool:
    return session.scalar(
        select(func.count()).select_from(Report).where(Report.case_id == case_id, Report.reporter_id.is_not(None))
    ) != 0


def _close_case(session: Session, case: Case, moderator: Account, decision: Decision, now: datetime) -> None:
    session.add(
        CaseEvent(
            id=ids.new_id(),
            case_id=case.id,
            kind="decided",
            actor_id=moderator.id,
            data_json=json.dumps({"decision_id": str(decision.id), "rule_id": decision.rule_id, "actions": actions_of(decision)}),
            created_at=now,
        )
    )
    case.state = "closed"
    case.closed_at = now
    case.updated_at = now
    for report in session.scalars(select(Report).where(Report.case_id == case.id, Report.action_taken_at.is_(None))):
        report.action_taken_at = now


def _tell(session: Session, decision: Decision) -> None:
    """The affected person's ``moderation_warning`` notification, in the same transaction:
    the statement of reasons must reach them whatever happens to the job queue."""
    session.add(
        Notification(
            id=ids.new_id(),
            account_id=decision.account_id,
            from_account_id=decision.account_id,
            type="moderation_warning",
            decision_id=decision.id,
            created_at=decision.created_at,
        )
    )


def decide_case(session: Session, settings: Settings, moderator: Account, case_id: int, data: DecisionInput) -> Decision:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Record not found")
    if case.state == "closed":
        raise Invalid("This case is closed; reopen it to decide again")
    return decide(session, settings, moderator, case.account_id, data, case=case)


def reverse(
    session: Session,
    settings: Settings,
    moderator: Account,
    decision: Decision,
    reasons: str,
    *,
    now: datetime | None = None,
) -> Decision:
    """Reverse ``decision``: a new decision that lifts what it imposed and overturns its strike."""
    now = now or utcnow()
    check_moderator(moderator.role)
    if not reasons.strip():
        raise Invalid("State the reasons for this decision.")
    if decision.reverses_id is not None:
        raise Invalid("A reversal cannot itself be reversed; decide again instead")
    if session.scalar(select(Decision.id).where(Decision.reverses_id == decision.id)) is not None:
        raise Invalid("This decision was already reversed")
    reversal = Decision(
        id=ids.new_id(),
        case_id=decision.case_id,
        moderator_id=moderator.id,
        account_id=decision.account_id,
        post_id=decision.post_id,
        rule_row_id=decision.rule_row_id,
        rule_id=decision.rule_id,
        rule_version=decision.rule_version,
        actions_json="[]",
        facts=decision.facts,
        reasons=reasons.strip(),
        public_interest=decision.public_interest,
        automated_decision="not",
        source=decision.source,
        strike=False,
        reverses_id=decision.id,
        created_at=now,
    )
    session.add(reversal)
    session.flush()
    for strike in session.scalars(select(Strike).where(Strike.decision_id == decision.id)):
        strike.overturned_at = now
    if decision.post_id is not None:
        post = session.get(Post, decision.post_id)
        if post is not None:
            recompute_post(session, post)
    account = session.get(Account, decision.account_id)
    if account is not None:
        recompute_account(session, settings, account, now)
    _tell(session, reversal)
    session.flush()
    transparency_log.append(session, settings, reversal)
    return reversal


# --- derived state ------------------------------------------------------------------------


def recompute_post(session: Session, post: Post) -> None:
    """Set the post's moderation state from the decisions in force on it."""
    decisions = list(session.scalars(select(Decision).where(Decision.post_id == post.id)))
    removed_at = notice = label_text = label_url = None
    limited = sensitive = False
    for d in _in_force(decisions):
        acts = actions_of(d)
        if REMOVING & set(acts):
            removed_at = removed_at or d.created_at
        if "public_interest_notice" in acts:
            notice = d.rule_id
        if "label" in acts:
            label_text, label_url = d.label_text, d.label_url
        limited = limited or "limit_reach" in acts
        sensitive = sensitive or "sensitive" in acts
    post.removed_at = removed_at
    post.notice_rule_id = notice
    post.label_text = label_text
    post.label_url = label_url
    post.limited = limited
    if sensitive:
        post.sensitive = True
    elif any("sensitive" in actions_of(d) for d in decisions):
        post.sensitive = False  # a decision marked it and none in force does any more


def _count_pending_removals(session: Session, account: Account) -> None:
    account.pending_removals = int(
        session.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.account_id == account.id, Post.removed_at.is_not(None), Post.deleted_at.is_(None))
        )
        or 0
    )


def recompute_account(session: Session, settings: Settings, account: Account, now: datetime | None = None) -> None:
    """Set the account's enforcement state from its posts and the decisions in force."""
    now = now or utcnow()
    _count_pending_removals(session, account)
    locked_until: datetime | None = None
    suspended_at: datetime | None = None
    for d in _in_force(list(session.scalars(select(Decision).where(Decision.account_id == account.id)))):
        acts = actions_of(d)
        if "lock" in acts and d.ends_at is not None and d.ends_at > now:
            locked_until = max(locked_until, d.ends_at) if locked_until else d.ends_at
        if "suspend" in acts and suspended_at is None:
            suspended_at = d.created_at
    account.locked_until = locked_until
    account.suspended_at = suspended_at
    account.purge_after = None
    if suspended_at is not None:
        account.purge_after = suspended_at + timedelta(days=settings.suspension_retention_days)


def post_deleted(session: Session, post: Post) -> None:
    """The author deleted a post: if moderators had removed it, the account is closer to
    writing again."""
    if post.removed_at is None:
        return
    session.flush()
    account = session.get(Account, post.account_id)
    if account is not None:
        _count_pending_removals(session, account)


def check_can_act(account: Account, now: datetime | None = None) -> None:
    """Refuse posting, liking and reposting to suspended, locked and read-only accounts."""
    now = now or utcnow()
    if account.suspended_at is not None:
        raise Forbidden("Your account is suspended")
    if account.locked_until is not None and account.locked_until > now:
        until = account.locked_until.strftime("%Y-%m-%d %H:%M UTC")
        raise Forbidden("Your account is locked until %(until)s", until=until)
    if account.pending_removals > 0:
        raise Forbidden(
            "Your account is read-only until you delete the posts that broke Parley's rules"
        )


_REMOVAL_RULES = Statement(
    select(Decision.post_id, Decision.rule_id, Decision.actions_json).where(
        Decision.post_id.in_(bindparam("ids", expanding=True)), NOT_REVERSED
    )
)


def removal_rules(session: Session, post_ids: list[int]) -> dict[int, str]:
    """For removed posts: the rule of the decision in force that removed each."""
    out: dict[int, str] = {}
    for post_id, rule_id, actions_json in rows(session, _REMOVAL_RULES, {"ids": post_ids}):
        if REMOVING & set(json.loads(actions_json)) and post_id not in out:
            out[post_id] = rule_id
    return out


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Erase what suspended accounts kept past their retention period: their posts are
    deleted and their profile emptied. The account row stays (its name stays taken, and
    the decisions about it keep their subject). Returns the number of accounts purged."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Account).where(Account.suspended_at.is_not(None), Account.purge_after.is_not(None), Account.purge_after <= now)
        )
    )
    for account in due:
        for post in session.scalars(select(Post).where(Post.account_id == account.id, Post.deleted_at.is_(None))):
            post.deleted_at = now
            post.text = ""
            post.content_html = ""
            enqueue(session, "withdraw", {"post_id": post.id})
        account.display_name = ""
        account.note = ""
        account.fields_json = "[]"
        account.statuses_count = 0
        account.purge_after = None  # done; the suspension itself stays
    session.flush()
    return len(due)
