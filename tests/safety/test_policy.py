"""The public-interest engine and the strike ladder, table by table (no database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from parley.errors import Invalid
from parley.safety import policy
from parley.safety.catalog import CatalogRule, shipped_catalog
from parley.safety.policy import (
    DEFAULT_LADDER,
    NO_ACTION,
    SUSPENSION,
    AccountAction,
    AccountFacts,
    RuleFacts,
    check_actions,
    count_active_strikes,
    is_public_interest_account,
    ladder_action,
    propose,
    refusal,
)

# POLICY.md: enforced against any account, leaders included.
NEVER_EXCEPTED = {
    "terrorism-violent-extremism",
    "violent-threats",
    "private-information",
    "non-consensual-intimate-media",
    "child-sexual-exploitation",
    "suicide-self-harm",
}
NOTICE = "public_interest_notice"

ORDINARY = AccountFacts(verified=False, followers_count=250, public_office=False)
# Verified and with many followers, but not designated: still an ordinary account.
CELEBRITY = AccountFacts(verified=True, followers_count=5_000_000, public_office=False)
HEAD_OF_STATE = AccountFacts(verified=True, followers_count=120_000, public_office=True)

RULES = {rule.id: rule for rule in shipped_catalog()}


def facts(rule_id: str) -> RuleFacts:
    return RULES[rule_id].facts()


# --- who is a public-interest account -------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "min_followers", "expected"),
    [
        (HEAD_OF_STATE, 100_000, True),
        (replace(HEAD_OF_STATE, followers_count=100_001), 100_000, True),
        # "more than 100,000": exactly the threshold is not enough
        (replace(HEAD_OF_STATE, followers_count=100_000), 100_000, False),
        (replace(HEAD_OF_STATE, verified=False), 100_000, False),
        (replace(HEAD_OF_STATE, public_office=False), 100_000, False),
        (CELEBRITY, 100_000, False),
        (ORDINARY, 100_000, False),
        # the threshold is configurable
        (replace(HEAD_OF_STATE, followers_count=5_000), 1_000, True),
        (HEAD_OF_STATE, 1_000_000, False),
    ],
)
def test_public_interest_account(account: AccountFacts, min_followers: int, expected: bool) -> None:
    assert is_public_interest_account(account, min_followers) is expected


# --- proposals for every rule in the catalog ------------------------------------------------


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
@pytest.mark.parametrize("account", [ORDINARY, CELEBRITY], ids=["ordinary", "celebrity"])
def test_ordinary_accounts_never_get_the_notice(rule: CatalogRule, account: AccountFacts) -> None:
    p = propose(rule.facts(), account)
    assert not p.public_interest_account and not p.public_interest_applies
    assert NOTICE not in p.allowed and NOTICE not in p.proposed
    assert p.allowed == set(rule.actions) - {NOTICE}
    assert p.proposed[0] == rule.default_action
    assert p.needs_escalation_reason == frozenset()


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_public_interest_accounts(rule: CatalogRule) -> None:
    p = propose(rule.facts(), HEAD_OF_STATE)
    anyone = propose(rule.facts(), ORDINARY)
    assert p.public_interest_account
    if rule.id in NEVER_EXCEPTED:
        # Enforced as for anyone: removal, never the notice.
        assert not p.public_interest_applies
        assert NOTICE not in p.allowed
        assert p.proposed[0] == "remove"
        assert (p.allowed, p.proposed) == (anyone.allowed, anyone.proposed)
        assert p.needs_escalation_reason == frozenset()
    else:
        assert p.public_interest_applies
        assert NOTICE in p.allowed
        # The notice takes the place of removal; milder actions stay what anyone gets.
        assert p.proposed == ((NOTICE,) if rule.default_action == "remove" else (rule.default_action,))
        # Escalation stays possible, but only with a stated reason.
        assert "remove" in p.allowed
        assert p.needs_escalation_reason == {"remove", "read_only", "lock", "suspend"} & set(rule.actions)


@pytest.mark.parametrize(
    ("rule_id", "account", "allowed", "proposed"),
    [
        ("glorification-of-violence", ORDINARY,
         {"limit_reach", "remove", "warn", "read_only", "lock", "suspend"}, ("remove",)),
        ("glorification-of-violence", HEAD_OF_STATE,
         {"limit_reach", NOTICE, "remove", "warn", "read_only", "lock", "suspend"}, (NOTICE,)),
        ("civic-integrity", HEAD_OF_STATE,
         {"label", "limit_reach", NOTICE, "remove", "warn", "read_only", "lock", "suspend"}, (NOTICE,)),
        ("hateful-conduct", CELEBRITY,
         {"limit_reach", "remove", "warn", "read_only", "lock", "suspend"}, ("remove",)),
        ("violent-threats", ORDINARY, {"remove", "warn", "read_only", "lock", "suspend"}, ("remove", "suspend")),
        ("violent-threats", HEAD_OF_STATE, {"remove", "warn", "read_only", "lock", "suspend"}, ("remove", "suspend")),
        ("child-sexual-exploitation", HEAD_OF_STATE, {"remove", "suspend"}, ("remove", "suspend")),
        ("terrorism-violent-extremism", HEAD_OF_STATE, {"remove", "lock", "suspend"}, ("remove", "suspend")),
        ("private-information", HEAD_OF_STATE, {"remove", "warn", "read_only", "lock", "suspend"}, ("remove",)),
        ("non-consensual-intimate-media", HEAD_OF_STATE, {"remove", "read_only", "lock", "suspend"}, ("remove",)),
        ("suicide-self-harm", HEAD_OF_STATE,
         {"sensitive", "limit_reach", "remove", "warn", "read_only", "lock", "suspend"}, ("remove",)),
        ("sensitive-media", ORDINARY,
         {"label", "sensitive", "limit_reach", "remove", "warn", "lock", "suspend"}, ("sensitive",)),
        ("sensitive-media", HEAD_OF_STATE,
         {"label", "sensitive", "limit_reach", NOTICE, "remove", "warn", "lock", "suspend"}, ("sensitive",)),
        ("synthetic-manipulated-media", HEAD_OF_STATE,
         {"label", "limit_reach", NOTICE, "remove", "warn", "lock", "suspend"}, ("label",)),
    ],
)
def test_named_proposals(rule_id: str, account: AccountFacts, allowed: set[str], proposed: tuple[str, ...]) -> None:
    p = propose(facts(rule_id), account)
    assert p.allowed == allowed
    assert p.proposed == proposed
    assert (p.rule_id, p.rule_version) == (rule_id, 1)


@pytest.mark.parametrize(
    ("active_strikes", "proposed", "lock_hours"),
    [
        (0, ("remove",), None),  # this is strike 1: no account action
        (1, ("remove", "lock"), 12),
        (2, ("remove", "lock"), 12),
        (3, ("remove", "lock"), 168),
        (4, ("remove", "suspend"), None),
        (9, ("remove", "suspend"), None),
    ],
)
def test_proposals_climb_the_ladder(active_strikes: int, proposed: tuple[str, ...], lock_hours: int | None) -> None:
    p = propose(facts("hateful-conduct"), ORDINARY, active_strikes=active_strikes)
    assert p.proposed == proposed
    assert p.lock_hours == lock_hours
    assert f"Strike {active_strikes + 1}" in p.explanation


def test_public_interest_accounts_are_not_locked_by_the_ladder() -> None:
    p = propose(facts("hateful-conduct"), HEAD_OF_STATE, active_strikes=4)
    assert p.proposed == (NOTICE,) and p.lock_hours is None
    assert "instead of being removed" in p.explanation and "escalation" in p.explanation
    p = propose(facts("sensitive-media"), HEAD_OF_STATE)
    assert p.proposed == ("sensitive",) and "sensitive as for anyone" in p.explanation
    # ... but a never-excepted rule climbs the ladder as for anyone.
    p = propose(facts("private-information"), HEAD_OF_STATE, active_strikes=1)
    assert p.proposed == ("remove", "lock") and p.lock_hours == 12
    assert "never excepted" in p.explanation


def test_a_ladder_step_the_rule_does_not_allow_is_left_out() -> None:
    rule = RuleFacts("labels-only", 1, frozenset({"label"}), "label", public_interest_eligible=False)
    p = propose(rule, ORDINARY, active_strikes=2)
    assert p.proposed == ("label",) and p.lock_hours is None
    assert "does not allow" in p.explanation


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
@pytest.mark.parametrize("account", [ORDINARY, HEAD_OF_STATE], ids=["ordinary", "public-interest"])
@pytest.mark.parametrize("active_strikes", [0, 1, 3, 4])
def test_every_proposal_passes_the_check(rule: CatalogRule, account: AccountFacts, active_strikes: int) -> None:
    p = propose(rule.facts(), account, active_strikes=active_strikes)
    assert set(p.proposed) <= p.allowed
    checked = check_actions(
        rule.facts(),
        account,
        p.proposed,
        reasons="The post breaks the rule.",
        public_interest_assessment="Newsworthy statement by a head of state." if NOTICE in p.proposed else None,
        duration_hours=p.lock_hours,
    )
    assert set(checked) == set(p.proposed)


# --- checking a chosen combination ----------------------------------------------------------

GLORY = facts("glorification-of-violence")
THREATS = facts("violent-threats")
REASONS = "Celebrates last night's attack on the city hall."
ASSESSMENT = "A head of state's words about unrest are news; the notice keeps them up but not amplified."


@pytest.mark.parametrize(
    ("rule", "account", "actions", "kw", "message"),
    [
        (GLORY, HEAD_OF_STATE, [], {}, "Choose at least one action"),
        (GLORY, HEAD_OF_STATE, ["delete"], {}, "Unknown action: delete"),
        (GLORY, ORDINARY, ["remove"], {"reasons": None}, "State the reasons"),
        (GLORY, ORDINARY, ["remove"], {"reasons": "   "}, "State the reasons"),
        (THREATS, ORDINARY, ["label"], {}, "does not allow label"),
        (THREATS, HEAD_OF_STATE, [NOTICE], {"public_interest_assessment": ASSESSMENT}, "never excepted in the public interest"),
        (GLORY, ORDINARY, [NOTICE], {"public_interest_assessment": ASSESSMENT}, "only for public-interest accounts"),
        (GLORY, CELEBRITY, [NOTICE], {"public_interest_assessment": ASSESSMENT}, "more than 100,000 followers"),
        (GLORY, HEAD_OF_STATE, [NOTICE], {}, "needs a public-interest assessment"),
        (GLORY, HEAD_OF_STATE, [NOTICE], {"public_interest_assessment": ""}, "needs a public-interest assessment"),
        (GLORY, HEAD_OF_STATE, [NOTICE, "remove"],
         {"public_interest_assessment": ASSESSMENT, "escalation_reason": "x"}, "both stay up"),
        (GLORY, ORDINARY, ["remove", "lock"], {}, "A lock needs a duration"),
        (GLORY, ORDINARY, ["remove", "lock"], {"duration_hours": 0}, "from 1 to 8760 hours"),
        (GLORY, ORDINARY, ["remove", "lock"], {"duration_hours": 8761}, "use a suspension"),
        (GLORY, ORDINARY, ["remove", "suspend"], {"duration_hours": 12}, "A duration applies only to a lock"),
        (GLORY, ORDINARY, ["remove", "lock", "suspend"], {"duration_hours": 12}, "a lock or a suspension, not both"),
        # Escalation against a public-interest account under an eligible rule needs a reason.
        (GLORY, HEAD_OF_STATE, ["remove"], {}, "is an escalation"),
        (GLORY, HEAD_OF_STATE, ["remove"], {"escalation_reason": " "}, "is an escalation"),
        (GLORY, HEAD_OF_STATE, [NOTICE, "lock"],
         {"public_interest_assessment": ASSESSMENT, "duration_hours": 12}, "is an escalation"),
        (GLORY, HEAD_OF_STATE, [NOTICE, "suspend"], {"public_interest_assessment": ASSESSMENT}, "is an escalation"),
        # Read-only until deletion takes the post down as surely as removal.
        (GLORY, HEAD_OF_STATE, ["read_only"], {}, "is an escalation"),
        (GLORY, HEAD_OF_STATE, [NOTICE, "read_only"],
         {"public_interest_assessment": ASSESSMENT, "escalation_reason": "x"}, "cannot also have to be deleted"),
    ],
)
def test_refusals(rule: RuleFacts, account: AccountFacts, actions: list[str], kw: dict, message: str) -> None:
    kw = {"reasons": REASONS, **kw}
    reason = refusal(rule, account, actions, **kw)
    assert reason is not None and message in reason
    assert reason[0].isupper() and reason.endswith(".")
    with pytest.raises(Invalid) as raised:
        check_actions(rule, account, actions, **kw)
    assert raised.value.message == reason and raised.value.status == 422


@pytest.mark.parametrize(
    ("rule", "account", "actions", "kw"),
    [
        (GLORY, ORDINARY, ["remove"], {}),
        (GLORY, ORDINARY, ["lock", "remove"], {"duration_hours": 12}),
        (GLORY, HEAD_OF_STATE, [NOTICE], {"public_interest_assessment": ASSESSMENT}),
        (GLORY, HEAD_OF_STATE, [NOTICE, "warn"], {"public_interest_assessment": ASSESSMENT}),
        (GLORY, HEAD_OF_STATE, ["limit_reach"], {}),
        # 8 Jan 2021: escalation with a stated reason
        (GLORY, HEAD_OF_STATE, ["remove", "suspend"], {"escalation_reason": "Risk of further incitement."}),
        (GLORY, HEAD_OF_STATE, ["remove", "lock"], {"escalation_reason": "Repeated, severe violations.", "duration_hours": 12}),
        # 6 Jan 2021: deletion required, then a 12-hour lock
        (GLORY, HEAD_OF_STATE, ["read_only", "lock"], {"escalation_reason": "Repeated, severe violations.", "duration_hours": 12}),
        (GLORY, ORDINARY, ["read_only"], {}),
        # Never-excepted rules: removal as for anyone, no escalation reason needed
        (THREATS, HEAD_OF_STATE, ["remove", "suspend"], {}),
        (facts("private-information"), HEAD_OF_STATE, ["remove"], {}),
    ],
)
def test_accepted_combinations(rule: RuleFacts, account: AccountFacts, actions: list[str], kw: dict) -> None:
    assert refusal(rule, account, actions, reasons=REASONS, **kw) is None
    checked = check_actions(rule, account, actions, reasons=REASONS, **kw)
    assert list(checked) == sorted(set(actions), key=["label", "sensitive", "limit_reach", NOTICE, "remove",
                                                      "warn", "read_only", "lock", "suspend"].index)


def test_the_threshold_reaches_the_check() -> None:
    small_office = replace(HEAD_OF_STATE, followers_count=5_000)
    kw = {"reasons": REASONS, "public_interest_assessment": ASSESSMENT}
    assert "more than 100,000 followers" in (refusal(GLORY, small_office, [NOTICE], **kw) or "")
    assert refusal(GLORY, small_office, [NOTICE], min_followers=1_000, **kw) is None


# --- the ladder and strike expiry -----------------------------------------------------------


@pytest.mark.parametrize(
    ("strikes", "expected"),
    [
        (0, NO_ACTION),
        (1, NO_ACTION),
        (2, AccountAction("lock", 12)),
        (3, AccountAction("lock", 12)),
        (4, AccountAction("lock", 168)),
        (5, SUSPENSION),
        (6, SUSPENSION),
        (50, SUSPENSION),
    ],
)
def test_default_ladder(strikes: int, expected: AccountAction) -> None:
    assert ladder_action(strikes) == expected
    assert ladder_action(strikes, DEFAULT_LADDER) == expected


@pytest.mark.parametrize("strikes", [0, 1, 3])
def test_immediate_suspension_skips_the_ladder(strikes: int) -> None:
    assert ladder_action(strikes, immediate_suspension=True) == SUSPENSION


def test_a_ladder_is_data() -> None:
    strict = (AccountAction("lock", 24), SUSPENSION)
    assert ladder_action(1, strict) == AccountAction("lock", 24)
    assert ladder_action(2, strict) == SUSPENSION
    assert ladder_action(7, strict) == SUSPENSION
    lenient = (NO_ACTION,)
    assert ladder_action(10, lenient) == NO_ACTION
    p = propose(facts("hateful-conduct"), ORDINARY, active_strikes=0, ladder=strict)
    assert p.proposed == ("remove", "lock") and p.lock_hours == 24


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ladder_action(-1), "negative"),
        (lambda: ladder_action(1, ()), "at least one step"),
        (lambda: AccountAction("lock"), "duration"),
        (lambda: AccountAction("suspend", 12), "duration"),
        (lambda: AccountAction("lock", 0), "from 1 to"),
        (lambda: AccountAction("ban"), "must be one of"),
        (lambda: count_active_strikes([], datetime.now(UTC), timedelta(0)), "positive"),
    ],
)
def test_programming_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


@pytest.mark.parametrize(
    ("ages", "expiry", "active"),
    [
        ([], YEAR, 0),
        ([timedelta(days=1)], YEAR, 1),
        ([timedelta(days=1), timedelta(days=100), timedelta(days=364)], YEAR, 3),
        ([timedelta(days=1), timedelta(days=400)], YEAR, 1),
        # a strike exactly one expiry old has expired; a second younger still counts
        ([YEAR], YEAR, 0),
        ([YEAR - timedelta(seconds=1)], YEAR, 1),
        # dated a little after now (another process's clock): counts
        ([-timedelta(seconds=5)], YEAR, 1),
        ([timedelta(days=10), timedelta(days=40)], timedelta(days=30), 1),
    ],
)
def test_strike_expiry(ages: list[timedelta], expiry: timedelta, active: int) -> None:
    assert count_active_strikes([NOW - age for age in ages], NOW, expiry) == active


def test_expired_strikes_lower_the_next_step() -> None:
    given = [NOW - timedelta(days=d) for d in (400, 380, 20, 2)]
    active = count_active_strikes(given, NOW, YEAR)
    assert active == 2
    assert ladder_action(active + 1) == AccountAction("lock", 12)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("none,lock:12,lock:12,lock:168,suspend", policy.DEFAULT_LADDER),
        ("suspend", (policy.SUSPENSION,)),
        (" none , lock:24 ", (policy.NO_ACTION, policy.AccountAction("lock", 24))),
    ],
)
def test_a_ladder_is_read_from_its_setting(text: str, steps: tuple[policy.AccountAction, ...]) -> None:
    assert policy.parse_ladder(text) == steps


@pytest.mark.parametrize("text", ["", "lock", "lock:x", "ban", "lock:0", "none,,suspend"])
def test_a_bad_ladder_setting_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        policy.parse_ladder(text)
