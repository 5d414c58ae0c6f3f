"""The public-interest engine and the strike ladder: pure functions over facts.

No database and no HTTP. Callers gather the facts (a rule version from the catalog, the
author's account, the strikes on record) and ask:

- ``propose``: which actions a moderator may take and which ones they start from;
- ``check_actions``: whether a chosen combination may be applied, with a plain reason if not;
- ``ladder_action``: what the next strike costs the account;
- ``count_active_strikes``: which strikes still count.

The rules follow Twitter's public-interest policy for world leaders and its strike
ladders (``../shared/POLICY.md``, sections 1 and 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from parley.errors import Invalid

# Actions on a post, mildest first.
POST_ACTIONS = ("label", "sensitive", "limit_reach", "public_interest_notice", "remove")
# Actions on an account, mildest first.
ACCOUNT_ACTIONS = ("warn", "read_only", "lock", "suspend")
ACTIONS = POST_ACTIONS + ACCOUNT_ACTIONS

NOTICE = "public_interest_notice"
# For a public-interest account under an eligible rule these end the exception (Jan 2021):
# a person decides them and states why. Read-only lasts until the author deletes the post,
# so it takes the post down as surely as removal does.
ESCALATIONS = frozenset({"remove", "read_only", "lock", "suspend"})

DEFAULT_PUBLIC_INTEREST_MIN_FOLLOWERS = 100_000
# Longer than a year is a suspension, not a lock.
MAX_LOCK_HOURS = 365 * 24


@dataclass(frozen=True)
class RuleFacts:
    """What the engine needs of one version of one rule (``CatalogRule.facts()``)."""

    rule_id: str
    version: int
    actions: frozenset[str]
    default_action: str  # the post action a moderator starts from
    public_interest_eligible: bool = False
    immediate_suspension: bool = False


@dataclass(frozen=True)
class AccountFacts:
    """The author's account, as the public-interest policy sees it."""

    verified: bool = False
    followers_count: int = 0
    # Designated as (or as representing) a government or elected official, a candidate
    # for public office, or a person considered for a government post.
    public_office: bool = False


def is_public_interest_account(
    account: AccountFacts, min_followers: int = DEFAULT_PUBLIC_INTEREST_MIN_FOLLOWERS
) -> bool:
    """Designated, verified, and followed by *more than* ``min_followers`` accounts."""
    if not account.public_office:
        return False
    if not account.verified:
        return False
    return account.followers_count > min_followers


# --- the strike ladder --------------------------------------------------------------------

_KINDS = ("none", "lock", "suspend")


@dataclass(frozen=True)
class AccountAction:
    """What a strike costs an account: nothing, a lock of ``hours``, or suspension."""

    kind: str  # none, lock, suspend
    hours: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"account action must be one of {', '.join(_KINDS)}, not {self.kind!r}")
        if (self.kind == "lock") != (self.hours is not None):
            raise ValueError("a lock, and only a lock, has a duration in hours")
        if self.hours is not None and not 1 <= self.hours <= MAX_LOCK_HOURS:
            raise ValueError(f"a lock lasts from 1 to {MAX_LOCK_HOURS} hours")

    @property
    def actions(self) -> tuple[str, ...]:
        """The catalog action names this step applies (none for ``none``)."""
        return () if self.kind == "none" else (self.kind,)

    def describe(self) -> str:
        if self.kind == "lock":
            return f"a {self.hours}-hour lock"
        if self.kind == "suspend":
            return "permanent suspension"
        return "no account action"


NO_ACTION = AccountAction("none")
SUSPENSION = AccountAction("suspend")

# Step n is what the n-th active strike costs; past the last step the last one repeats.
Ladder = tuple[AccountAction, ...]

# Twitter's civic-integrity ladder (2020): 1 strike nothing, 2 and 3 a 12-hour lock,
# 4 a 7-day lock, 5 or more permanent suspension.
DEFAULT_LADDER: Ladder = (
    NO_ACTION,
    AccountAction("lock", 12),
    AccountAction("lock", 12),
    AccountAction("lock", 7 * 24),
    SUSPENSION,
)


def parse_ladder(text: str) -> Ladder:
    """A ladder from its setting: ``none``, ``lock:HOURS`` or ``suspend``, comma-separated."""
    steps: list[AccountAction] = []
    for part in (p.strip() for p in text.split(",")):
        if part == "none":
            steps.append(NO_ACTION)
        elif part == "suspend":
            steps.append(SUSPENSION)
        elif part.startswith("lock:") and part[5:].isdigit():
            steps.append(AccountAction("lock", int(part[5:])))
        else:
            raise ValueError(f"a ladder step is none, lock:HOURS or suspend, not {part!r}")
    if not steps:
        raise ValueError("a ladder needs at least one step")
    return tuple(steps)


def ladder_action(
    active_strikes: int, ladder: Ladder = DEFAULT_LADDER, *, immediate_suspension: bool = False
) -> AccountAction:
    """What an account with ``active_strikes`` active strikes (the newest included) gets.

    Rules with ``immediate_suspension`` (violent threats, child sexual exploitation,
    terrorism) skip the ladder.
    """
    if active_strikes < 0:
        raise ValueError("active strikes cannot be negative")
    if not ladder:
        raise ValueError("a ladder needs at least one step")
    if immediate_suspension:
        return SUSPENSION
    if active_strikes == 0:
        return NO_ACTION
    return ladder[min(active_strikes, len(ladder)) - 1]


def count_active_strikes(given_at: Iterable[datetime], now: datetime, expiry: timedelta) -> int:
    """How many of the strikes given at ``given_at`` still count at ``now``.

    A strike counts for ``expiry`` after it was given; one given exactly ``expiry`` ago
    has expired. A strike dated after ``now`` (clocks of app processes differ a little)
    counts. Strikes overturned on appeal are the caller's to leave out.
    """
    if expiry <= timedelta(0):
        raise ValueError("strike expiry must be a positive period")
    cutoff = now - expiry
    return sum(1 for t in given_at if t > cutoff)


# --- proposals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """Where a moderator starts for one violation of one rule by one account."""

    rule_id: str
    rule_version: int
    public_interest_account: bool
    # The account qualifies and the rule is eligible: the notice replaces removal.
    public_interest_applies: bool
    allowed: frozenset[str]
    proposed: tuple[str, ...]  # post action first, then any account action
    lock_hours: int | None
    # Allowed, but only with a stated escalation reason (see ``check_actions``).
    needs_escalation_reason: frozenset[str]
    explanation: str


def propose(
    rule: RuleFacts,
    account: AccountFacts,
    *,
    active_strikes: int = 0,
    ladder: Ladder = DEFAULT_LADDER,
    min_followers: int = DEFAULT_PUBLIC_INTEREST_MIN_FOLLOWERS,
) -> Proposal:
    """The allowed and proposed actions for a violation of ``rule`` by ``account``.

    ``active_strikes`` are the strikes that already count against the account; this
    violation is treated as one more. Everything proposed passes ``check_actions`` given
    reasons, the lock duration proposed and, for a notice, a public-interest assessment.
    """
    pi_account = is_public_interest_account(account, min_followers)
    applies = pi_account and rule.public_interest_eligible
    allowed = rule.actions if applies else rule.actions - {NOTICE}
    notes: list[str] = []
    if applies:
        # The notice replaces removal only; a milder action (a label, say) is what anyone gets.
        post_action = NOTICE if rule.default_action == "remove" and NOTICE in allowed else rule.default_action
        # Locking or suspending a public-interest account is an escalation a person
        # decides with a stated reason, never a step the ladder takes by itself.
        step = NO_ACTION
        if post_action == NOTICE:
            notes.append(
                "Public-interest account and a rule eligible for the exception: the post stays "
                "up behind a public-interest notice instead of being removed."
            )
        else:
            notes.append(
                f"Public-interest account and a rule eligible for the exception: {post_action} "
                "as for anyone; a public-interest notice may be used instead of removal."
            )
        notes.append(
            "Taking the post down, or locking or suspending the account, is an escalation "
            "that needs a stated reason."
        )
    else:
        post_action = rule.default_action
        step = ladder_action(active_strikes + 1, ladder, immediate_suspension=rule.immediate_suspension)
        if pi_account:
            notes.append(
                f"Rule {rule.rule_id} is never excepted in the public interest: "
                "it is enforced as for anyone."
            )
        if rule.immediate_suspension:
            notes.append(f"Rule {rule.rule_id} leads straight to suspension.")
        else:
            notes.append(f"Strike {active_strikes + 1}: {step.describe()}.")
    account_actions = tuple(a for a in step.actions if a in allowed)
    if step.actions and not account_actions:
        notes.append(f"Rule {rule.rule_id} does not allow {step.describe()}.")
    return Proposal(
        rule_id=rule.rule_id,
        rule_version=rule.version,
        public_interest_account=pi_account,
        public_interest_applies=applies,
        allowed=allowed,
        proposed=(post_action, *account_actions),
        lock_hours=step.hours if "lock" in account_actions else None,
        needs_escalation_reason=(ESCALATIONS & allowed) if applies else frozenset(),
        explanation=" ".join(notes),
    )


# --- checking a decision ------------------------------------------------------------------


def _given(text: str | None) -> bool:
    return text is not None and text.strip() != ""


def refusal(
    rule: RuleFacts,
    account: AccountFacts,
    actions: Iterable[str],
    *,
    reasons: str | None,
    public_interest_assessment: str | None = None,
    duration_hours: int | None = None,
    escalation_reason: str | None = None,
    min_followers: int = DEFAULT_PUBLIC_INTEREST_MIN_FOLLOWERS,
) -> str | None:
    """Why this combination of actions may not be applied, or None if it may."""
    chosen = set(actions)
    if not chosen:
        return "Choose at least one action."
    unknown = sorted(chosen - set(ACTIONS))
    if unknown:
        return f"Unknown action: {unknown[0]}. The actions are {', '.join(ACTIONS)}."
    if not _given(reasons):
        return "State the reasons for this decision."
    pi_account = is_public_interest_account(account, min_followers)
    if NOTICE in chosen:
        # Checked before the rule's list so the person learns why, not just that.
        if not rule.public_interest_eligible:
            return (
                f"Rule {rule.rule_id} is never excepted in the public interest, "
                "so a public-interest notice cannot be used under it."
            )
        if not pi_account:
            return (
                "A public-interest notice is only for public-interest accounts: designated as "
                "a public official or candidate, verified, and with more than "
                f"{min_followers:,} followers."
            )
    not_allowed = [a for a in ACTIONS if a in chosen and a not in rule.actions]
    if not_allowed:
        allows = ", ".join(a for a in ACTIONS if a in rule.actions)
        return f"Rule {rule.rule_id} (version {rule.version}) does not allow {not_allowed[0]}; it allows {allows}."
    if NOTICE in chosen:
        if "remove" in chosen:
            return "A post cannot both stay up behind a public-interest notice and be removed; choose one."
        if "read_only" in chosen:
            return (
                "A post kept up behind a public-interest notice cannot also have to be deleted "
                "before its author may post again; choose one."
            )
        if not _given(public_interest_assessment):
            return (
                "A public-interest notice needs a public-interest assessment: why keeping the "
                "post up serves the public, weighed against the risk and severity of harm."
            )
    if "lock" in chosen and "suspend" in chosen:
        return "Choose a lock or a suspension, not both."
    if "lock" in chosen:
        if duration_hours is None:
            return "A lock needs a duration in hours."
        if not 1 <= duration_hours <= MAX_LOCK_HOURS:
            return f"A lock lasts from 1 to {MAX_LOCK_HOURS} hours; use a suspension for longer."
    elif duration_hours is not None:
        return "A duration applies only to a lock."
    # The exception ends where the risk of harm is higher or more severe (Jan 2021), and
    # someone has to say so: the reason goes into the statement of reasons and the log.
    if pi_account and rule.public_interest_eligible and chosen & ESCALATIONS and not _given(escalation_reason):
        return (
            "Taking down the post of a public-interest account (removal, or read-only until "
            "it is deleted), or locking or suspending the account, under rule "
            f"{rule.rule_id} (eligible for the public-interest exception) is an escalation: "
            "state why the risk of harm outweighs the public interest."
        )
    return None


def check_actions(
    rule: RuleFacts,
    account: AccountFacts,
    actions: Iterable[str],
    *,
    reasons: str | None,
    public_interest_assessment: str | None = None,
    duration_hours: int | None = None,
    escalation_reason: str | None = None,
    min_followers: int = DEFAULT_PUBLIC_INTEREST_MIN_FOLLOWERS,
) -> tuple[str, ...]:
    """The chosen actions in canonical order, or ``Invalid`` with the reason they may not be applied."""
    chosen = tuple(actions)
    reason = refusal(
        rule,
        account,
        chosen,
        reasons=reasons,
        public_interest_assessment=public_interest_assessment,
        duration_hours=duration_hours,
        escalation_reason=escalation_reason,
        min_followers=min_followers,
    )
    if reason is not None:
        raise Invalid(reason)
    return tuple(a for a in ACTIONS if a in chosen)
