"""Statements of reasons: one per decision, in the DSA database's terms, without personal
data of private persons. Pure builder tables first, then the whole path through the API.

The helpers here are shared by the other transparency tests (the ``world`` fixture is in
``conftest.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from parley.services import Services
from parley.store.tables import Decision
from parley.transparency.dsa import EU_EEA, validate_statement
from parley.transparency.statements import (
    Content,
    Scrubber,
    Subject,
    build_statement,
    dsa_fields,
    pseudonym,
    public_statement,
)
from tests.factories import User
from tests.moderation import head_of_state
from tests.transparency.test_log import counted

# --- shared helpers -----------------------------------------------------------------------


def premier(world: dict[str, Any]) -> User:
    """A head of state, designated and verified: a public-interest account."""
    return head_of_state(world, "Premier", role="Prime Minister", jurisdiction="Netherlands")


def report_case(reporter: User, author: User, status_id: str | None, rule_id: str, mod: User) -> str:
    body: dict[str, Any] = {"account_id": author.id, "category": "violation", "rule_ids": [rule_id], "comment": "Look."}
    if status_id:
        body["status_ids"] = [status_id]
    r = reporter.post("/api/v1/reports", json=body)
    assert r.status_code == 200, r.text
    cases = mod.get("/api/parley/v1/cases", params={"account_id": author.id, "state": "open"})
    assert cases.status_code == 200 and len(cases.json()) == 1, cases.text
    return str(cases.json()[0]["id"])


def decide(mod: User, case_id: str, **body: Any) -> dict[str, Any]:
    r = mod.post(f"/api/parley/v1/cases/{case_id}/decisions", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def public(client: TestClient, decision_id: str) -> dict[str, Any]:
    r = client.get(f"/api/parley/v1/transparency/statements/{decision_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def decided(world: dict[str, Any], reporter: User, author: User, post_id: str, rule_id: str, **body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``reporter`` reports ``author``'s post under ``rule_id``, mod1 decides on it with
    ``body``: the decision as the API answers it, and its public statement (checked valid)."""
    case_id = report_case(reporter, author, post_id, rule_id, world["mod1"])
    decision = decide(world["mod1"], case_id, rule_id=rule_id, status_id=post_id, **body)
    statement = public(world["client"], decision["id"])
    assert validate_statement(statement) == []
    return decision, statement


# --- the pure builder ---------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _decision(actions: list[str], **kw: Any) -> Decision:
    fields: dict[str, Any] = {
        "id": 1234,
        "account_id": 7,
        "rule_id": "hateful-conduct",
        "rule_version": 2,
        "actions_json": json.dumps(actions),
        "facts": "The post calls a group vermin.",
        "reasons": "Dehumanising language about a protected group.",
        "source": "notice",
        "automated_detection": False,
        "automated_decision": "not",
        "public_interest": False,
        "created_at": NOW,
    }
    fields.update(kw)
    return Decision(**fields)


def _build(decision: Decision, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "base_url": "https://parley.example",
        "subject": Subject(pseudonym="acct-0123456789abcdef0123", public=False),
        "content": Content(date=NOW - timedelta(days=1), language="nl"),
        "detected": False,
    }
    args.update(kw)
    return build_statement(decision, None, **args)


LOCK_END = NOW + timedelta(hours=168)


@pytest.mark.parametrize(
    ("actions", "extra", "expected"),
    [
        (["remove"], {}, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]}),
        (["label"], {}, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_LABELLED"]}),
        (["sensitive"], {}, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_LABELLED"]}),
        (["limit_reach"], {}, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"]}),
        (
            ["public_interest_notice"],
            {},
            {
                "decision_visibility": [
                    "DECISION_VISIBILITY_CONTENT_DEMOTED",
                    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
                    "DECISION_VISIBILITY_CONTENT_LABELLED",
                ]
            },
        ),
        (
            ["warn"],
            {},
            {
                "decision_visibility": ["DECISION_VISIBILITY_OTHER"],
                "decision_visibility_other": "Warning to the account holder; nothing was restricted.",
            },
        ),
        (
            ["read_only"],
            {},
            {
                "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
                "decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION",
                "end_date_service_restriction": "",
            },
        ),
        (
            ["lock"],
            {"ends_at": LOCK_END, "duration_hours": 168},
            {
                "decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION",
                "end_date_service_restriction": "2026-03-09",
            },
        ),
        (
            ["remove", "lock"],
            {"ends_at": LOCK_END},
            {
                "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
                "decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION",
                "end_date_service_restriction": "2026-03-09",
            },
        ),
        (
            ["remove", "suspend"],
            {},
            {
                "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
                "decision_account": "DECISION_ACCOUNT_SUSPENDED",
                "end_date_account_restriction": "",
                "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
            },
        ),
        (
            [],
            {"reverses_id": 999},
            {
                "decision_visibility": ["DECISION_VISIBILITY_OTHER"],
                "decision_visibility_other": "Reversal of decision parley-decision-999: the restrictions it imposed are lifted.",
            },
        ),
    ],
)
def test_each_action_has_its_decision_fields(actions: list[str], extra: dict[str, Any], expected: dict[str, Any]) -> None:
    statement = _build(_decision(actions, **extra))
    for field, value in expected.items():
        assert statement[field] == value, field
    for field in ("decision_visibility", "decision_provision", "decision_account"):
        if field not in expected:
            assert field not in statement, field
    assert "decision_monetary" not in statement  # Parley pays no one
    assert validate_statement(statement) == []
    assert validate_statement(dsa_fields(statement)) == []


def test_the_common_fields() -> None:
    statement = _build(_decision(["remove"]), detected=True)
    assert statement["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert statement["decision_ground_reference_url"] == "https://parley.example/about/rules#hateful-conduct"
    assert statement["incompatible_content_ground"] == "Parley rule hateful-conduct (version 2): hateful-conduct"
    assert statement["incompatible_content_explanation"] == "Dehumanising language about a protected group."
    assert statement["decision_facts"] == "The post calls a group vermin."
    assert statement["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert statement["category"] == "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"  # no rule loaded
    assert statement["territorial_scope"] == list(EU_EEA) and len(EU_EEA) == 30
    assert statement["content_language"] == "NL"
    assert statement["content_date"] == "2026-03-01"
    assert statement["application_date"] == "2026-03-02"
    assert statement["source_type"] == "SOURCE_ARTICLE_16"
    assert statement["automated_detection"] == "Yes"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert statement["puid"] == "parley-decision-1234"
    assert statement["parley"]["account"] == {"pseudonym": "acct-0123456789abcdef0123", "public_interest_account": False}
    assert statement["parley"]["post"] is None
    assert "parley" not in dsa_fields(statement)
    assert "end_date_visibility_restriction" not in dsa_fields(statement)  # blank: indefinite


def test_sources_and_languages() -> None:
    own = _build(_decision(["remove"], source="voluntary"), content=Content(date=NOW, language="pt-BR"))
    assert own["source_type"] == "SOURCE_VOLUNTARY" and own["content_language"] == "PT"
    unknown = _build(_decision(["remove"]), content=Content(date=NOW, language="und-x"))
    assert "content_language" not in unknown
    assert validate_statement(unknown) == []


def test_long_texts_are_cut_to_the_limits() -> None:
    statement = _build(_decision(["remove"], facts="f" * 6000, reasons="r" * 3000))
    assert len(statement["decision_facts"]) == 5000 and statement["decision_facts"].endswith("…")
    assert len(statement["incompatible_content_explanation"]) == 2000
    assert validate_statement(statement) == []


def test_pseudonyms_are_stable_keyed_and_not_the_id() -> None:
    a = pseudonym("secret-one", 42)
    assert a == pseudonym("secret-one", 42)
    assert a != pseudonym("secret-two", 42) and a != pseudonym("secret-one", 43)
    assert a.startswith("acct-") and len(a) == 25 and "42" not in a[5:7]
    with pytest.raises(ValueError):
        pseudonym("", 42)


def test_the_scrubber() -> None:
    known = {"alice": (1, False), "premier": (2, True)}
    scrub = Scrubber("k", "parley.example", known.get, [("alice", "acct-a"), ("Alice Liddell", "acct-a")])
    text = (
        "@alice replied to @Premier and @premier@parley.example, cc @bob@elsewhere.social and @ghost; "
        "Alice Liddell (alice@example.org) wrote it. Malice stays."
    )
    out = scrub(text)
    alice = pseudonym("k", 1)
    assert out == (
        f"{alice} replied to @Premier and @premier@parley.example, cc @[person] and @[person]; "
        "acct-a ([e-mail]) wrote it. Malice stays."
    )
    # A person whose name is "acct" does not break the pseudonyms already written.
    scrub = Scrubber("k", "parley.example", {"acct": (3, False)}.get, [("acct", pseudonym("k", 3))])
    assert scrub("@acct and acct") == f"{pseudonym('k', 3)} and {pseudonym('k', 3)}"


# --- validation, table-driven -------------------------------------------------------------


def _valid() -> dict[str, Any]:
    return dsa_fields(_build(_decision(["remove"])))


def _without(name: str) -> dict[str, Any]:
    statement = _valid()
    del statement[name]
    return statement


def _with(**changes: Any) -> dict[str, Any]:
    statement = _valid()
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


@pytest.mark.parametrize(
    ("statement", "field"),
    [
        # required fields
        (_without("decision_ground"), "decision_ground"),
        (_without("content_type"), "content_type"),
        (_without("category"), "category"),
        (_without("content_date"), "content_date"),
        (_without("application_date"), "application_date"),
        (_without("decision_facts"), "decision_facts"),
        (_without("source_type"), "source_type"),
        (_without("automated_detection"), "automated_detection"),
        (_without("automated_decision"), "automated_decision"),
        (_without("puid"), "puid"),
        (_without("incompatible_content_ground"), "incompatible_content_ground"),
        (_without("incompatible_content_explanation"), "incompatible_content_explanation"),
        (_with(decision_visibility=None), "at least one"),
        (_with(decision_visibility=[]), "at least one"),
        # enumerations
        (_with(decision_visibility=["DECISION_VISIBILITY_CONTENT_HIDDEN"]), "decision_visibility"),
        (_with(decision_visibility="DECISION_VISIBILITY_CONTENT_REMOVED"), "decision_visibility"),
        (_with(decision_monetary="DECISION_MONETARY_FINE"), "decision_monetary"),
        (_with(decision_provision="DECISION_PROVISION_SUSPENSION"), "decision_provision"),
        (_with(decision_account="DECISION_ACCOUNT_LOCKED"), "decision_account"),
        (_with(decision_ground="DECISION_GROUND_OTHER"), "decision_ground"),
        (_with(content_type=["CONTENT_TYPE_POST"]), "content_type"),
        (_with(content_type=[]), "content_type"),
        (_with(category="STATEMENT_CATEGORY_SPAM"), "category"),
        (_with(category_addition=["STATEMENT_CATEGORY_SPAM"]), "category_addition"),
        (_with(category_specification=["HATE_SPEECH"]), "category_specification"),
        (_with(territorial_scope=["US"]), "territorial_scope"),
        (_with(territorial_scope=["EL"]), "territorial_scope"),
        (_with(territorial_scope=["NL", "NL"]), "territorial_scope"),
        (_with(content_language="nl"), "content_language"),
        (_with(content_language="NLD"), "content_language"),
        (_with(source_type="SOURCE_USER"), "source_type"),
        (_with(automated_detection="yes"), "automated_detection"),
        (_with(automated_detection=True), "automated_detection"),
        (_with(automated_decision="AUTOMATED_DECISION_NONE"), "automated_decision"),
        (_with(account_type="ACCOUNT_TYPE_GOVERNMENT"), "account_type"),
        (_with(incompatible_content_illegal="Maybe"), "incompatible_content_illegal"),
        # fields that need their companion
        (_with(decision_visibility=["DECISION_VISIBILITY_OTHER"]), "decision_visibility_other"),
        (_with(decision_visibility_other="Something else"), "decision_visibility_other"),
        (_with(decision_monetary="DECISION_MONETARY_OTHER"), "decision_monetary_other"),
        (_with(decision_monetary_other="Something"), "decision_monetary_other"),
        (_with(content_type=["CONTENT_TYPE_OTHER"]), "content_type_other"),
        (_with(content_type_other="A poll"), "content_type_other"),
        (_with(category_specification=["KEYWORD_OTHER"]), "category_specification_other"),
        (_with(category_specification_other="Something"), "category_specification_other"),
        (_with(source_type="SOURCE_VOLUNTARY", source_identity="A reporter"), "source_identity"),
        # the ground's fields must match the ground
        (_with(decision_ground="DECISION_GROUND_ILLEGAL_CONTENT"), "illegal_content_legal_ground"),
        (
            _with(
                decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
                illegal_content_legal_ground="Art. 137c Sr",
                illegal_content_explanation="Group insult.",
            ),
            "incompatible_content_ground",
        ),
        (_with(illegal_content_legal_ground="Art. 137c Sr"), "illegal_content_legal_ground"),
        # lengths
        (_with(decision_facts="x" * 5001), "decision_facts"),
        (_with(incompatible_content_ground="x" * 501), "incompatible_content_ground"),
        (_with(incompatible_content_explanation="x" * 2001), "incompatible_content_explanation"),
        (_with(decision_visibility=["DECISION_VISIBILITY_OTHER"], decision_visibility_other="x" * 501), "decision_visibility_other"),
        (_with(decision_ground_reference_url="https://x.example/" + "x" * 500), "decision_ground_reference_url"),
        (_with(decision_ground_reference_url="javascript:alert(1)"), "decision_ground_reference_url"),
        (_with(puid="x" * 501), "puid"),
        (_with(puid="parley decision 1"), "puid"),
        (_with(puid="parley/decision/1"), "puid"),
        (_with(puid="parley-décision-1"), "puid"),
        # dates
        (_with(content_date="1999-12-31"), "content_date"),
        (_with(application_date="2019-12-31", content_date="2019-12-30"), "application_date"),
        (_with(content_date="2026-3-1"), "content_date"),
        (_with(content_date="2026-02-30"), "content_date"),
        (_with(application_date="02/03/2026"), "application_date"),
        (_with(content_date="2026-03-03"), "content_date"),  # after the decision
        (_with(end_date_visibility_restriction="2026-13-01"), "end_date_visibility_restriction"),
        (_with(end_date_visibility_restriction="2026-03-01"), "end_date_visibility_restriction"),  # before it began
        (_with(end_date_account_restriction="2026-04-01"), "end_date_account_restriction"),  # no such decision
        # unknown fields
        (_with(reporter="alice"), "reporter"),
    ],
)
def test_validation_refuses_what_the_database_refuses(statement: dict[str, Any], field: str) -> None:
    errors = validate_statement(statement)
    assert errors, statement
    assert any(field in e for e in errors), errors


def test_validation_accepts_the_boundaries() -> None:
    edge = _with(
        content_date="2000-01-01",
        application_date="2020-01-01",
        decision_facts="x" * 5000,
        incompatible_content_ground="x" * 500,
        incompatible_content_explanation="x" * 2000,
        puid="a" * 500,
        end_date_visibility_restriction="2020-01-01",
        category_specification=["KEYWORD_OTHER"],
        category_specification_other="Doxxing of a neighbour",
        territorial_scope=["GR", "NO", "LI", "IS"],
        account_type="ACCOUNT_TYPE_PRIVATE",
        incompatible_content_illegal="No",
    )
    assert validate_statement(edge) == []
    illegal = _with(
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
        incompatible_content_ground=None,
        incompatible_content_explanation=None,
        illegal_content_legal_ground="x" * 500,
        illegal_content_explanation="x" * 2000,
    )
    assert validate_statement(illegal) == []
    assert validate_statement(_with(decision_visibility=None, decision_account="DECISION_ACCOUNT_TERMINATED")) == []


# --- through the API ----------------------------------------------------------------------


def test_a_private_persons_statement_names_no_one(world: dict[str, Any]) -> None:
    alice: User = world["make"]("alice", display_name="Alice Liddell")
    bob: User = world["make"]("bobby")
    post = alice.status("Some vile words about a group", language="en")
    decision, statement = decided(
        world, bob, alice, post["id"], "hateful-conduct", actions=["remove"],
        reasons="@alice dehumanised a group; reported by @bobby.",
        facts="Alice Liddell (@alice) posted it in reply to @mod2.",
    )  # fmt: skip
    text = json.dumps(statement)
    for secret in ("alice", "Alice", "bobby", "vile words", post["id"], alice.id, bob.id):
        assert secret not in text, secret
    name = statement["parley"]["account"]["pseudonym"]
    assert statement["decision_facts"] == f"{name} ({name}) posted it in reply to {pseudonym('test-secret', int(world['mod2'].id))}."
    assert statement["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert statement["category_specification"] == ["KEYWORD_HATE_SPEECH"]
    assert statement["source_type"] == "SOURCE_ARTICLE_16"
    assert statement["content_language"] == "EN"
    assert statement["decision_ground_reference_url"] == "http://parley.test/about/rules#hateful-conduct"
    assert statement["parley"]["rule"] == {"id": "hateful-conduct", "version": 1, "title": "Hateful conduct"}
    assert statement["parley"]["post"] is None
    # The same pseudonym for every decision about the account; the affected person sees
    # the same statement in their decision.
    own = alice.get(f"/api/parley/v1/decisions/{decision['id']}").json()
    assert own["statement_of_reasons"] == statement


def test_a_public_interest_account_and_its_post_are_named(world: dict[str, Any]) -> None:
    leader = premier(world)
    citizen: User = world["make"]("citizen")
    post = leader.status("They are vermin, all of them", language="nl")
    _, statement = decided(
        world, citizen, leader, post["id"], "hateful-conduct", actions=["public_interest_notice"],
        reasons="@Premier dehumanised a group; @citizen reported it.",
        public_interest_assessment="The Prime Minister's words on migration are a matter of public concern.",
    )  # fmt: skip
    account = statement["parley"]["account"]
    assert account["public_interest_account"] is True
    assert account["handle"] == "@Premier@parley.test" and account["url"] == "http://parley.test/@Premier"
    assert account["role"] == "Prime Minister" and account["jurisdiction"] == "Netherlands"
    assert statement["parley"]["post"] == {"url": f"http://parley.test/@Premier/{post['id']}", "text": "They are vermin, all of them"}
    assert statement["incompatible_content_explanation"].startswith("@Premier dehumanised a group; acct-")
    assert "citizen" not in json.dumps(statement)
    assert "Public-interest assessment: The Prime Minister" in statement["incompatible_content_explanation"]
    assert "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED" in statement["decision_visibility"]
    assert statement["parley"]["public_interest"] is True


def test_a_reversal_on_appeal_has_its_own_statement(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    author: User = world["make"]("author")
    post = author.status("A heated but fair remark")
    case_id = report_case(world["make"]("reporter"), author, post["id"], "abuse-harassment", world["mod1"])
    decision = decide(world["mod1"], case_id, rule_id="abuse-harassment", actions=["remove"], status_id=post["id"], reasons="Harassment.")
    appeal = author.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "It was fair criticism."}).json()
    r = world["mod2"].post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "approve", "reasons": "Fair criticism."})
    assert r.status_code == 200, r.text
    reversal_id = r.json()["reversal_id"]
    statement = public(client, reversal_id)
    assert validate_statement(statement) == []
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert statement["decision_visibility_other"] == (
        f"Reversal of decision parley-decision-{decision['id']}: the restrictions it imposed are lifted."
    )
    assert statement["incompatible_content_explanation"] == (
        f"Decision parley-decision-{decision['id']} is reversed. Appeal approved: Fair criticism."
    )
    assert statement["puid"] == f"parley-decision-{reversal_id}"
    assert statement["parley"]["reverses"] == f"parley-decision-{decision['id']}"
    assert statement["parley"]["actions"] == []
    assert statement["parley"]["account"]["pseudonym"] == public(client, decision["id"])["parley"]["account"]["pseudonym"]


def test_a_lock_and_a_warning_through_the_api(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    author: User = world["make"]("author")
    post = author.status("Spam spam spam")
    case_id = report_case(world["make"]("reporter"), author, post["id"], "platform-manipulation-spam", world["mod1"])
    locked = decide(world["mod1"], case_id, rule_id="platform-manipulation-spam", actions=["lock"], duration_hours=48, reasons="Spam.")
    statement = public(client, locked["id"])
    assert validate_statement(statement) == []
    ends = datetime.fromisoformat(locked["ends_at"].replace("Z", "+00:00"))
    assert statement["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert statement["end_date_service_restriction"] == ends.strftime("%Y-%m-%d")
    other: User = world["make"]("other")
    case_id = report_case(world["make"]("reporter2"), other, None, "platform-manipulation-spam", world["mod1"])
    warned = decide(world["mod1"], case_id, rule_id="platform-manipulation-spam", actions=["warn"], reasons="Spam.")
    statement = public(client, warned["id"])
    assert validate_statement(statement) == []
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert statement["content_date"] == statement["application_date"]


def test_an_unknown_statement_is_not_found(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    assert client.get("/api/parley/v1/transparency/statements/12345").status_code == 404
    assert client.get("/api/parley/v1/transparency/statements/abc").status_code == 404


def test_names_in_free_text_are_looked_up_together(world: dict[str, Any]) -> None:
    """Scrubbing a statement costs one query for all the accounts its texts mention, not
    one per name: the statement is built on every decision's own transaction."""
    services: Services = world["services"]
    author: User = world["make"]("author")
    reporter: User = world["make"]("reporter")
    for name in ("ann", "ben", "cat"):
        world["make"](name)
    first, second = author.status("Words"), author.status("More words")
    quiet, _ = decided(world, reporter, author, first["id"], "hateful-conduct", actions=["limit_reach"], reasons="No names.")
    loud, statement = decided(
        world, reporter, author, second["id"], "hateful-conduct", actions=["limit_reach"],
        reasons="@ann, @ben and @cat saw it; @nobody did not.", facts="@ann replied, then @ben.",
    )  # fmt: skip
    assert "@ann" not in statement["incompatible_content_explanation"]
    cost: dict[str, int] = {}
    for label, decision in (("quiet", quiet), ("loud", loud)):
        with services.db.unit(write=False) as uow:
            row = uow.session.get(Decision, int(decision["id"]))
            assert row is not None
            with counted(services) as statements:
                public_statement(uow.session, row, services.settings)
            cost[label] = len(statements)
    assert cost["loud"] == cost["quiet"] + 1, cost
