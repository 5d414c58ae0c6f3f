"""``/api/parley/v1/cases``: the queue, its filters, a case's history and the policy
engine's proposal, and the moderators' actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from parley import ids
from parley.safety.catalog import load_catalog, shipped_catalog
from parley.services import Services
from parley.store.tables import Account, Decision, PublicOffice, Strike, utcnow
from tests.factories import User, make_staff, make_user

CASE_FIELDS = {
    "id", "state", "priority", "account", "assigned_account", "report_count", "rule_ids", "status_ids",
    "created_at", "updated_at", "closed_at",
}
DETAIL_FIELDS = CASE_FIELDS | {"reports", "statuses", "events", "proposal"}


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    with services.db.unit() as uow:
        load_catalog(uow.session, shipped_catalog())
    w: dict[str, Any] = {name: make_user(services, client, name) for name in ("alice", "bob", "carol")}
    w["mod"] = make_staff(services, client, "mod")
    w["mod2"] = make_staff(services, client, "mod2")
    w["services"] = services
    w["client"] = client
    return w


def report(reporter: User, target: User, **body: Any) -> dict[str, Any]:
    r = reporter.post("/api/v1/reports", json={"account_id": target.id, **body})
    assert r.status_code == 200, r.text
    return r.json()


def case_of(mod: User, account: User) -> dict[str, Any]:
    r = mod.get("/api/parley/v1/cases", params={"account_id": account.id})
    assert r.status_code == 200, r.text
    (case,) = r.json()
    detail = mod.get(f"/api/parley/v1/cases/{case['id']}")
    assert detail.status_code == 200, detail.text
    return detail.json()


def make_public_interest(services: Services, user: User, followers: int = 150_000) -> None:
    with services.db.unit() as uow:
        uow.session.add(PublicOffice(account_id=int(user.id), role="Head of government", jurisdiction="Parleyland"))
        uow.session.execute(
            update(Account).where(Account.id == int(user.id)).values(verified=True, followers_count=followers)
        )


def give_strike(services: Services, user: User, *, days_ago: int = 1, overturned: bool = False) -> None:
    given = utcnow() - timedelta(days=days_ago)
    with services.db.unit() as uow:
        decision = Decision(id=ids.new_id(), account_id=int(user.id), rule_id="abuse-harassment", rule_version=1, created_at=given)
        uow.session.add(decision)
        uow.session.flush()
        uow.session.add(
            Strike(
                id=ids.new_id(), account_id=int(user.id), decision_id=decision.id, created_at=given,
                overturned_at=utcnow() if overturned else None,
            )
        )


def test_a_case_shows_reports_posts_events_and_a_proposal(world: dict[str, Any]) -> None:
    alice, bob, mod = world["alice"], world["bob"], world["mod"]
    public = bob.status("the looters will be shot")
    private = bob.status("followers only", visibility="private")
    filed = report(alice, bob, status_ids=[public["id"]], rule_ids=["glorification-of-violence"], comment="violent")
    # A follower reports a followers-only post, which the moderator cannot see.
    assert world["carol"].post(f"/api/v1/accounts/{bob.id}/follow").status_code == 200
    report(world["carol"], bob, status_ids=[private["id"]], category="other")

    case = case_of(mod, bob)
    assert set(case) == DETAIL_FIELDS
    assert case["state"] == "open" and case["account"]["id"] == bob.id
    assert case["report_count"] == 2
    assert sorted(case["status_ids"]) == sorted([public["id"], private["id"]])
    # The moderator sees every post of the case, the followers-only one included.
    assert sorted(s["id"] for s in case["statuses"]) == sorted([public["id"], private["id"]])
    first = case["reports"][0]
    assert first["id"] == filed["id"] and first["account"]["id"] == alice.id
    assert first["rule_ids"] == ["glorification-of-violence"] and first["automated"] is False
    assert first["detector"] is None and first["score"] is None
    assert [e["kind"] for e in case["events"]] == ["opened", "report", "report"]
    assert case["events"][1]["data"]["report_id"] == filed["id"]

    proposal = case["proposal"]
    assert proposal["public_interest_account"] is False and proposal["active_strikes"] == 0
    (rule,) = proposal["rules"]
    assert rule["rule_id"] == "glorification-of-violence" and rule["rule_version"] == 1
    assert rule["public_interest_applies"] is False
    assert rule["proposed"] == ["remove"]
    assert "public_interest_notice" not in rule["allowed"]
    assert rule["allowed"] == ["limit_reach", "remove", "warn", "read_only", "lock", "suspend"]
    assert rule["needs_escalation_reason"] == []
    assert "Strike 1" in rule["explanation"]


def test_a_public_interest_account_gets_the_notice_proposed(world: dict[str, Any]) -> None:
    services, alice, bob, mod = world["services"], world["alice"], world["bob"], world["mod"]
    make_public_interest(services, bob)
    status = bob.status("when the looting starts")
    report(alice, bob, status_ids=[status["id"]], rule_ids=["glorification-of-violence", "violent-threats"])
    proposal = case_of(mod, bob)["proposal"]
    assert proposal["public_interest_account"] is True
    eligible, never = proposal["rules"]
    assert eligible["rule_id"] == "glorification-of-violence"
    assert eligible["public_interest_applies"] is True
    assert eligible["proposed"] == ["public_interest_notice"]
    assert "public_interest_notice" in eligible["allowed"]
    assert eligible["needs_escalation_reason"] == ["remove", "read_only", "lock", "suspend"]
    assert "public-interest notice" in eligible["explanation"]
    # Threats are never excepted, for anyone.
    assert never["rule_id"] == "violent-threats"
    assert never["public_interest_applies"] is False
    assert never["proposed"] == ["remove", "suspend"]
    assert "never excepted" in never["explanation"]


@pytest.mark.parametrize(
    ("office", "verified", "followers", "expected"),
    [
        (True, True, 100_001, True),
        (True, True, 100_000, False),  # *more than* the threshold
        (True, False, 500_000, False),
        (False, True, 500_000, False),
    ],
)
def test_the_public_interest_test_needs_all_three(
    world: dict[str, Any], office: bool, verified: bool, followers: int, expected: bool
) -> None:
    services, bob = world["services"], world["bob"]
    with services.db.unit() as uow:
        if office:
            uow.session.add(PublicOffice(account_id=int(bob.id), role="Mayor", jurisdiction="Town"))
        uow.session.execute(
            update(Account).where(Account.id == int(bob.id)).values(verified=verified, followers_count=followers)
        )
    report(world["alice"], bob, rule_ids=["abuse-harassment"])
    proposal = case_of(world["mod"], bob)["proposal"]
    assert proposal["public_interest_account"] is expected
    assert proposal["rules"][0]["public_interest_applies"] is expected


def test_active_strikes_move_the_proposal_up_the_ladder(world: dict[str, Any]) -> None:
    services, bob = world["services"], world["bob"]
    give_strike(services, bob, days_ago=10)
    give_strike(services, bob, days_ago=400)  # expired
    give_strike(services, bob, days_ago=5, overturned=True)  # overturned on appeal
    report(world["alice"], bob, rule_ids=["abuse-harassment"])
    proposal = case_of(world["mod"], bob)["proposal"]
    assert proposal["active_strikes"] == 1
    (rule,) = proposal["rules"]
    assert rule["proposed"] == ["remove", "lock"] and rule["lock_hours"] == 12
    assert "Strike 2" in rule["explanation"]


def test_a_case_without_rules_proposes_under_every_rule(world: dict[str, Any]) -> None:
    report(world["alice"], world["bob"], category="spam")
    rules = case_of(world["mod"], world["bob"])["proposal"]["rules"]
    assert [r["rule_id"] for r in rules] == [rule.id for rule in shipped_catalog()]


def test_case_filters(world: dict[str, Any]) -> None:
    alice, bob, carol, mod = world["alice"], world["bob"], world["carol"], world["mod"]
    on_bob = report(alice, bob, rule_ids=["abuse-harassment"])
    on_carol = report(alice, carol, rule_ids=["hateful-conduct"])
    report(bob, alice, category="spam")
    bob_case = mod.get("/api/parley/v1/cases", params={"account_id": bob.id}).json()[0]["id"]
    carol_case = mod.get("/api/parley/v1/cases", params={"account_id": carol.id}).json()[0]["id"]
    assert mod.post(f"/api/parley/v1/cases/{carol_case}/close").status_code == 200

    def listed(**params: Any) -> list[str]:
        r = mod.get("/api/parley/v1/cases", params=params)
        assert r.status_code == 200, r.text
        assert all(set(c) == CASE_FIELDS for c in r.json())
        return [c["account"]["username"] for c in r.json()]

    assert listed() == ["alice", "carol", "bob"]
    assert listed(state="open") == ["alice", "bob"]
    assert listed(state="closed") == ["carol"]
    assert listed(state="escalated") == []
    assert listed(rule_id="abuse-harassment") == ["bob"]
    assert listed(rule_id="hateful-conduct") == ["carol"]
    assert listed(rule_id="abuse") == []  # a rule id, not a part of one
    assert listed(report_id=on_bob["id"]) == ["bob"]
    assert listed(report_id=on_carol["id"], state="open") == []
    assert listed(report_id="999999") == []
    assert listed(account_id=alice.id) == ["alice"]
    r = mod.get("/api/parley/v1/cases", params={"limit": 1})
    assert len(r.json()) == 1 and 'rel="next"' in r.headers["link"]
    older = mod.get("/api/parley/v1/cases", params={"max_id": r.json()[0]["id"]}).json()
    assert [c["account"]["username"] for c in older] == ["carol", "bob"]
    assert int(bob_case) < int(carol_case)

    r = mod.get("/api/parley/v1/cases", params={"state": "pending"})
    assert r.status_code == 422 and "state" in r.json()["error"]
    r = mod.get("/api/parley/v1/cases", params={"rule_id": "50%_off"})
    assert r.status_code == 422


def test_moderators_work_a_case(world: dict[str, Any]) -> None:
    alice, bob, mod, mod2 = world["alice"], world["bob"], world["mod"], world["mod2"]
    report(alice, bob, category="spam")
    case_id = case_of(mod, bob)["id"]
    base = f"/api/parley/v1/cases/{case_id}"

    r = mod.post(f"{base}/notes", json={"text": "  Looks like a spam wave.  "})
    assert r.status_code == 200, r.text
    assert r.json()["events"][-1]["data"] == {"text": "Looks like a spam wave."}
    r = mod.post(f"{base}/assign", json={"account_id": mod2.id})
    assert r.status_code == 200 and r.json()["assigned_account"]["id"] == mod2.id
    r = mod.post(f"{base}/assign")
    assert r.json()["assigned_account"]["id"] == mod.id
    r = mod.post(f"{base}/priority", data={"priority": "90"})
    assert r.status_code == 200 and r.json()["priority"] == 90
    r = mod.post(f"{base}/escalate", json={"reason": "Coordinated; needs the policy team."})
    assert r.status_code == 200 and r.json()["state"] == "escalated"
    assert mod.post(f"{base}/escalate").status_code == 200  # already: no change
    r = mod.post(f"{base}/unassign")
    assert r.json()["assigned_account"] is None
    r = mod.post(f"{base}/close", json={"reason": "Handled elsewhere."})
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["closed_at"] is not None
    assert r.json()["reports"][0]["action_taken_at"] is not None
    assert mod.post(f"{base}/notes", json={"text": "For the record."}).status_code == 200
    r = mod.post(f"{base}/reopen")
    assert r.status_code == 200 and r.json()["state"] == "open" and r.json()["closed_at"] is None
    assert r.json()["reports"][0]["action_taken_at"] is None

    history = r.json()["events"]
    assert [e["kind"] for e in history] == [
        "opened", "report", "note", "assigned", "assigned", "priority", "escalated", "unassigned", "closed",
        "note", "reopened",
    ]
    assert [int(e["id"]) for e in history] == sorted(int(e["id"]) for e in history)
    assert all(e["automated"] is False for e in history)
    assert {e["account"]["id"] for e in history[2:]} == {mod.id}
    assert history[5]["data"] == {"from": 21, "to": 90}
    assert history[6]["data"] == {"reason": "Coordinated; needs the policy team."}
    assert history[8]["data"] == {"reason": "Handled elsewhere."}

    # A report after the priority was set raises it from there.
    report(world["carol"], bob, category="spam")
    assert mod.get(base).json()["priority"] == 91


BAD_ACTIONS = [
    ("notes", {}, 422, "text"),
    ("notes", {"text": "x" * 5001}, 422, "5000"),
    ("priority", {}, 422, "priority"),
    ("priority", {"priority": 1001}, 422, "1000"),
    ("priority", {"priority": "high"}, 422, "whole number"),
    ("escalate", {"reason": "x" * 2001}, 422, "2000"),
    ("assign", {"account_id": "999999"}, 404, "Record not found"),
]


@pytest.mark.parametrize(("verb", "body", "status", "words"), BAD_ACTIONS)
def test_bad_case_actions_are_refused(world: dict[str, Any], verb: str, body: dict[str, Any], status: int, words: str) -> None:
    report(world["alice"], world["bob"])
    case_id = case_of(world["mod"], world["bob"])["id"]
    r = world["mod"].post(f"/api/parley/v1/cases/{case_id}/{verb}", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]


def test_a_closed_case_must_be_reopened_first(world: dict[str, Any]) -> None:
    report(world["alice"], world["bob"])
    case_id = case_of(world["mod"], world["bob"])["id"]
    base = f"/api/parley/v1/cases/{case_id}"
    assert world["mod"].post(f"{base}/close").status_code == 200
    for verb, body in (("escalate", {}), ("priority", {"priority": 5})):
        r = world["mod"].post(f"{base}/{verb}", json=body)
        assert r.status_code == 422 and "reopen" in r.json()["error"]


def test_assignment_goes_to_moderators_not_to_the_account_concerned(world: dict[str, Any]) -> None:
    alice, mod, mod2 = world["alice"], world["mod"], world["mod2"]
    report(alice, mod2)
    case_id = case_of(mod, mod2)["id"]
    r = mod.post(f"/api/parley/v1/cases/{case_id}/assign", json={"account_id": alice.id})
    assert r.status_code == 403 and "moderators" in r.json()["error"]
    r = mod.post(f"/api/parley/v1/cases/{case_id}/assign", json={"account_id": mod2.id})
    assert r.status_code == 403 and "about" in r.json()["error"]


def test_nobody_handles_a_case_about_themselves(world: dict[str, Any]) -> None:
    alice, mod, mod2 = world["alice"], world["mod"], world["mod2"]
    report(alice, mod)
    case_id = case_of(mod2, mod)["id"]
    assert mod.get("/api/parley/v1/cases").json() == []
    for method, path in (
        ("GET", ""), ("POST", "/notes"), ("POST", "/assign"), ("POST", "/close"), ("POST", "/escalate"),
    ):
        r = mod.client.request(
            method, f"/api/parley/v1/cases/{case_id}{path}", headers={"Authorization": f"Bearer {mod.token}"},
            json={"text": "not me"} if method == "POST" else None,
        )
        assert r.status_code == 403, (path, r.text)
        assert "your own account" in r.json()["error"]


def test_people_who_are_not_moderators_see_no_cases(world: dict[str, Any]) -> None:
    services, client = world["services"], world["client"]
    report(world["alice"], world["bob"])
    case_id = case_of(world["mod"], world["bob"])["id"]
    eve = make_user(services, client, "eve", scopes="read write admin:read admin:write")
    for path in ("/api/parley/v1/cases", f"/api/parley/v1/cases/{case_id}", "/api/parley/v1/cases/999999"):
        r = eve.get(path)
        assert r.status_code == 403 and r.json() == {"error": "This action is not allowed"}
    r = eve.post(f"/api/parley/v1/cases/{case_id}/close")
    assert r.status_code == 403
    plain = make_user(services, client, "plainmod", role="moderator", scopes="read write")
    assert plain.get("/api/parley/v1/cases").status_code == 403
    assert client.get("/api/parley/v1/cases").status_code == 401
    assert world["mod"].get("/api/parley/v1/cases/999999").status_code == 404


def test_the_routes_are_described_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/parley/v1/openapi.json").json()["paths"]
    assert "/api/parley/v1/cases" in paths
    assert "Body: `text`" in paths["/api/parley/v1/cases/{case_id}/notes"]["post"]["description"]
    assert set(paths["/api/parley/v1/reporters/{account_id}/mute"]) == {"put", "delete"}
