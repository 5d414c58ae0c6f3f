"""Mastodon's admin API: ``/api/v1/admin/reports`` and ``GET /api/v1/admin/accounts``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from parley.safety.catalog import load_catalog, shipped_catalog
from parley.safety.policy import MAX_LOCK_HOURS
from parley.services import Services
from parley.store.tables import Account, Decision, utcnow
from tests.factories import User, make_staff, make_user

ADMIN_REPORT_FIELDS = {
    "id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at", "updated_at",
    "account", "target_account", "assigned_account", "action_taken_by_account", "statuses", "rules", "parley",
}
ADMIN_ACCOUNT_FIELDS = {
    "id", "username", "domain", "created_at", "email", "ip", "ips", "role", "confirmed", "suspended",
    "silenced", "disabled", "approved", "locale", "invite_request", "account",
}


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    w: dict[str, Any] = {name: make_user(services, client, name) for name in ("alice", "bob", "carol")}
    w["mod"] = make_staff(services, client, "mod")
    w["mod2"] = make_staff(services, client, "mod2")
    w["admin"] = make_staff(services, client, "root", role="admin")
    w["services"] = services
    w["client"] = client
    return w


def report(reporter: User, target: User, **body: Any) -> dict[str, Any]:
    r = reporter.post("/api/v1/reports", json={"account_id": target.id, **body})
    assert r.status_code == 200, r.text
    return r.json()


def events(mod: User, case_id: str) -> list[dict[str, Any]]:
    r = mod.get(f"/api/parley/v1/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.json()["events"]


ROUTES = [
    ("GET", "/api/v1/admin/reports"),
    ("GET", "/api/v1/admin/reports/{id}"),
    ("POST", "/api/v1/admin/reports/{id}/assign_to_self"),
    ("POST", "/api/v1/admin/reports/{id}/unassign"),
    ("POST", "/api/v1/admin/reports/{id}/resolve"),
    ("POST", "/api/v1/admin/reports/{id}/reopen"),
    ("GET", "/api/v1/admin/accounts"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_moderators_with_admin_scopes_get_in(world: dict[str, Any], method: str, path: str) -> None:
    services, client = world["services"], world["client"]
    filed = report(world["alice"], world["bob"], comment="rude")
    url = path.format(id=filed["id"])

    # A user with the admin scopes but not the role.
    eve = make_user(services, client, "eve", scopes="read write admin:read admin:write")
    r = eve.client.request(method, url, headers={"Authorization": f"Bearer {eve.token}"})
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "This action is not allowed"}

    # A moderator whose token lacks the admin scopes.
    plain = make_user(services, client, "plainmod", role="moderator", scopes="read write")
    r = plain.client.request(method, url, headers={"Authorization": f"Bearer {plain.token}"})
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "This action is outside the authorized scopes"}

    assert client.request(method, url).status_code == 401

    for staff in (world["mod"], world["admin"]):
        r = staff.client.request(method, url, headers={"Authorization": f"Bearer {staff.token}"})
        assert r.status_code == 200, r.text


def test_the_narrow_admin_scopes_are_enough(world: dict[str, Any]) -> None:
    services, client = world["services"], world["client"]
    filed = report(world["alice"], world["bob"])
    reader = make_user(services, client, "reader", role="moderator", scopes="admin:read:reports")
    assert reader.get("/api/v1/admin/reports").status_code == 200
    assert reader.post(f"/api/v1/admin/reports/{filed['id']}/resolve").status_code == 403
    assert reader.get("/api/v1/admin/accounts").status_code == 403  # admin:read:accounts
    writer = make_user(services, client, "writer", role="moderator", scopes="admin:write:reports")
    assert writer.post(f"/api/v1/admin/reports/{filed['id']}/resolve").status_code == 200


def test_an_admin_report_has_mastodons_shape(world: dict[str, Any]) -> None:
    alice, bob, mod = world["alice"], world["bob"], world["mod"]
    status = bob.status("you are all idiots")
    filed = report(alice, bob, status_ids=[status["id"]], rule_ids=["abuse-harassment"], comment="insults")
    r = mod.get(f"/api/v1/admin/reports/{filed['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == ADMIN_REPORT_FIELDS
    assert body["id"] == filed["id"]
    assert body["category"] == "violation" and body["comment"] == "insults"
    assert body["action_taken"] is False and body["action_taken_at"] is None
    assert set(body["account"]) == ADMIN_ACCOUNT_FIELDS
    assert body["account"]["id"] == alice.id and body["account"]["account"]["acct"] == "alice"
    assert body["account"]["email"] == "alice@example.org" and body["account"]["domain"] is None
    assert body["account"]["role"]["id"] == "-99"
    assert body["target_account"]["id"] == bob.id
    assert body["assigned_account"] is None and body["action_taken_by_account"] is None
    assert [s["id"] for s in body["statuses"]] == [status["id"]]
    assert [rule["id"] for rule in body["rules"]] == ["abuse-harassment"]
    assert body["rules"][0]["text"] == "Abuse and harassment"
    assert body["parley"]["automated"] is False and body["parley"]["case_state"] == "open"
    assert mod.get("/api/v1/admin/reports/999999").status_code == 404
    assert mod.get("/api/v1/admin/reports/nope").status_code == 404


def test_assign_unassign_resolve_and_reopen(world: dict[str, Any]) -> None:
    alice, bob, carol, mod, mod2 = world["alice"], world["bob"], world["carol"], world["mod"], world["mod2"]
    first = report(alice, bob, category="spam")
    second = report(carol, bob, category="other")
    url = f"/api/v1/admin/reports/{first['id']}"

    r = mod.post(f"{url}/assign_to_self")
    assert r.status_code == 200, r.text
    assert r.json()["assigned_account"]["id"] == mod.id
    # The case is assigned: every report in it shows the assignee.
    assert mod.get(f"/api/v1/admin/reports/{second['id']}").json()["assigned_account"]["id"] == mod.id
    assert mod.post(f"{url}/assign_to_self").status_code == 200  # already: no change
    assert mod2.post(f"{url}/assign_to_self").json()["assigned_account"]["id"] == mod2.id
    r = mod.post(f"{url}/unassign")
    assert r.status_code == 200 and r.json()["assigned_account"] is None
    assert mod.post(f"{url}/unassign").status_code == 200  # already: no change

    r = mod.post(f"{url}/resolve")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["action_taken"] is True and body["action_taken_at"] is not None
    assert body["action_taken_by_account"]["id"] == mod.id
    assert body["parley"]["case_state"] == "closed"
    resolved_sibling = mod.get(f"/api/v1/admin/reports/{second['id']}").json()
    assert resolved_sibling["action_taken"] is True
    assert mod.post(f"{url}/resolve").status_code == 200  # already: no change

    assert mod.get("/api/v1/admin/reports").json() == []
    listed = mod.get("/api/v1/admin/reports", params={"resolved": "true"}).json()
    assert {r["id"] for r in listed} == {first["id"], second["id"]}

    r = mod.post(f"{url}/reopen")
    assert r.status_code == 200, r.text
    assert r.json()["action_taken"] is False and r.json()["action_taken_by_account"] is None
    assert len(mod.get("/api/v1/admin/reports").json()) == 2

    case_id = body["parley"]["case_id"]
    history = events(mod, case_id)
    kinds = [e["kind"] for e in history]
    assert kinds == ["opened", "report", "report", "assigned", "assigned", "unassigned", "closed", "reopened"]
    actors = [e["account"]["id"] if e["account"] else None for e in history[3:]]
    assert actors == [mod.id, mod2.id, mod.id, mod.id, mod.id]
    assert history[4]["data"] == {"account_id": mod2.id, "previous_account_id": mod.id}


def test_a_closed_case_cannot_be_reopened_while_another_is_open(world: dict[str, Any]) -> None:
    alice, bob, mod = world["alice"], world["bob"], world["mod"]
    old = report(alice, bob)
    assert mod.post(f"/api/v1/admin/reports/{old['id']}/resolve").status_code == 200
    new = report(alice, bob)
    assert mod.get(f"/api/v1/admin/reports/{new['id']}").json()["parley"]["case_state"] == "open"
    r = mod.post(f"/api/v1/admin/reports/{old['id']}/reopen")
    assert r.status_code == 409
    assert "another open case" in r.json()["error"]


def test_nobody_handles_reports_about_themselves(world: dict[str, Any]) -> None:
    alice, mod, mod2 = world["alice"], world["mod"], world["mod2"]
    about_mod = report(alice, mod, comment="this moderator is unfair")
    url = f"/api/v1/admin/reports/{about_mod['id']}"
    for method, path in (("GET", url), ("POST", f"{url}/assign_to_self"), ("POST", f"{url}/resolve")):
        r = mod.client.request(method, path, headers={"Authorization": f"Bearer {mod.token}"})
        assert r.status_code == 403, r.text
        assert "your own account" in r.json()["error"]
    assert mod.get("/api/v1/admin/reports").json() == []
    assert [r["id"] for r in mod2.get("/api/v1/admin/reports").json()] == [about_mod["id"]]
    assert mod2.post(f"{url}/resolve").status_code == 200


def test_a_muted_reporters_report_waits_outside_the_queue_until_reopened(world: dict[str, Any]) -> None:
    alice, bob, mod = world["alice"], world["bob"], world["mod"]
    assert mod.put(f"/api/parley/v1/reporters/{alice.id}/mute").status_code == 200
    filed = report(alice, bob, rule_ids=["hateful-conduct"])
    url = f"/api/v1/admin/reports/{filed['id']}"
    body = mod.get(url).json()
    assert body["parley"]["case_id"] is None and body["action_taken"] is False
    assert mod.get("/api/v1/admin/reports").json() == []
    assert [r["id"] for r in mod.get("/api/v1/admin/reports", params={"resolved": "true"}).json()] == [filed["id"]]
    r = mod.post(f"{url}/assign_to_self")
    assert r.status_code == 422 and "muted" in r.json()["error"]
    assert mod.post(f"{url}/resolve").status_code == 200

    r = mod.post(f"{url}/reopen")
    assert r.status_code == 200, r.text
    case_id = r.json()["parley"]["case_id"]
    assert case_id is not None and r.json()["parley"]["priority"] == 41
    queued = events(mod, case_id)[-1]
    assert queued["kind"] == "report" and queued["data"]["queued_by_account_id"] == mod.id
    assert [r["id"] for r in mod.get("/api/v1/admin/reports").json()] == [filed["id"]]


def test_reports_filter_and_paginate(world: dict[str, Any]) -> None:
    alice, bob, carol, mod = world["alice"], world["bob"], world["carol"], world["mod"]
    filed = [report(alice, bob), report(carol, bob), report(alice, carol), report(bob, carol)]
    ids = [f["id"] for f in filed]
    listed = mod.get("/api/v1/admin/reports").json()
    assert [r["id"] for r in listed] == ids[::-1]
    assert [r["id"] for r in mod.get("/api/v1/admin/reports", params={"account_id": alice.id}).json()] == [ids[2], ids[0]]
    by_target = mod.get("/api/v1/admin/reports", params={"target_account_id": bob.id}).json()
    assert [r["id"] for r in by_target] == [ids[1], ids[0]]

    r = mod.get("/api/v1/admin/reports", params={"limit": 2})
    assert [x["id"] for x in r.json()] == [ids[3], ids[2]]
    assert 'rel="next"' in r.headers["link"] and f"max_id={ids[2]}" in r.headers["link"]
    older = mod.get("/api/v1/admin/reports", params={"limit": 2, "max_id": ids[2]}).json()
    assert [x["id"] for x in older] == [ids[1], ids[0]]
    newer = mod.get("/api/v1/admin/reports", params={"limit": 2, "min_id": ids[0]}).json()
    assert [x["id"] for x in newer] == [ids[2], ids[1]]
    since = mod.get("/api/v1/admin/reports", params={"since_id": ids[2]}).json()
    assert [x["id"] for x in since] == [ids[3]]


def test_admin_accounts_list_and_filter(world: dict[str, Any]) -> None:
    services, mod = world["services"], world["mod"]
    with services.db.unit() as uow:
        uow.session.execute(update(Account).where(Account.id == int(world["carol"].id)).values(suspended_at=utcnow()))
    r = mod.get("/api/v1/admin/accounts")
    assert r.status_code == 200, r.text
    everyone = r.json()
    assert {a["username"] for a in everyone} == {"alice", "bob", "carol", "mod", "mod2", "root"}
    assert all(set(a) == ADMIN_ACCOUNT_FIELDS for a in everyone)
    carol = next(a for a in everyone if a["username"] == "carol")
    assert carol["suspended"] is True and carol["account"]["id"] == world["carol"].id

    def names(**params: Any) -> set[str]:
        r = mod.get("/api/v1/admin/accounts", params=params)
        assert r.status_code == 200, r.text
        return {a["username"] for a in r.json()}

    assert names(staff="true") == {"mod", "mod2", "root"}
    assert names(suspended="true") == {"carol"}
    assert names(active="true") == {"alice", "bob", "mod", "mod2", "root"}
    assert names(username="mo") == {"mod", "mod2"}
    assert names(email="BOB@example.org") == {"bob"}
    assert names(local="true") == names()
    assert names(remote="true") == set()
    assert names(pending="true") == set()
    assert names(by_domain="elsewhere.example") == set()
    r = mod.get("/api/v1/admin/accounts", params={"limit": 2})
    assert len(r.json()) == 2 and 'rel="next"' in r.headers["link"]


def test_an_account_action_answers_a_report_about_that_account(world: dict[str, Any]) -> None:
    services, alice, bob, carol, mod = world["services"], world["alice"], world["bob"], world["carol"], world["mod"]
    with services.db.unit() as uow:
        load_catalog(uow.session, shipped_catalog())
    filed = report(alice, bob, rule_ids=["abuse-harassment"])
    r = mod.post(f"/api/v1/admin/accounts/{carol.id}/action", json={"type": "none", "report_id": filed["id"], "text": "x"})
    assert r.status_code == 422 and r.json() == {"error": "The report is not about this account"}

    # Resolved first: the decision names the report's rule but is made in no case, and a
    # lock without a duration lasts the longest a lock may.
    resolved = mod.post(f"/api/v1/admin/reports/{filed['id']}/resolve").json()
    case_id = resolved["parley"]["case_id"]
    before = events(mod, case_id)
    r = mod.post(
        f"/api/v1/admin/accounts/{bob.id}/action", json={"type": "disable", "report_id": filed["id"], "text": "Insults."}
    )
    assert r.status_code == 200 and r.json() == {}
    assert events(mod, case_id) == before
    with services.db.unit(write=False) as uow:
        (decision,) = uow.session.scalars(select(Decision).where(Decision.account_id == int(bob.id)))
        assert (decision.rule_id, decision.case_id, decision.duration_hours) == ("abuse-harassment", None, MAX_LOCK_HOURS)
