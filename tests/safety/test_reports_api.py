"""``POST /api/v1/reports``: Mastodon's shape and errors, gathering into cases, muted
reporters and the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from parley.app import create_app
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Case, CaseEvent, Report
from tests.conftest import BASE_URL
from tests.factories import User, make_staff, make_user

REPORT_FIELDS = {
    "id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at",
    "status_ids", "rule_ids", "target_account",
}


@pytest.fixture
def people(services: Services, client: TestClient) -> dict[str, User]:
    return {name: make_user(services, client, name) for name in ("alice", "bob", "carol")}


def test_a_report_answers_mastodons_report_entity(people: dict[str, User]) -> None:
    alice, bob = people["alice"], people["bob"]
    status = bob.status("buy my stuff")
    r = alice.post(
        "/api/v1/reports",
        data={"account_id": bob.id, "status_ids[]": [status["id"]], "comment": "Spam account", "category": "spam"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == REPORT_FIELDS
    assert body["category"] == "spam"
    assert body["comment"] == "Spam account"
    assert body["status_ids"] == [status["id"]]
    assert body["rule_ids"] is None
    assert body["action_taken"] is False and body["action_taken_at"] is None
    assert body["forwarded"] is False
    assert body["target_account"]["id"] == bob.id
    assert body["created_at"].endswith("Z")


def test_naming_rules_makes_a_violation_report(people: dict[str, User]) -> None:
    r = people["alice"].post(
        "/api/v1/reports", json={"account_id": people["bob"].id, "rule_ids": ["abuse-harassment", "hateful-conduct"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["category"] == "violation"
    assert r.json()["rule_ids"] == ["abuse-harassment", "hateful-conduct"]
    assert r.json()["status_ids"] is None


# Each bad report, as the test builds it from the people: (body, status, words in the error).
BAD_REPORTS: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], int, str]] = [
    ("missing account", lambda w: {"comment": "hi"}, 422, "account_id"),
    ("unknown account", lambda w: {"account_id": "999999"}, 404, "Record not found"),
    ("account id not a number", lambda w: {"account_id": "bob"}, 404, "Record not found"),
    ("yourself", lambda w: {"account_id": w["alice"].id}, 422, "your own account"),
    ("comment too long", lambda w: {"account_id": w["bob"].id, "comment": "x" * 1001}, 422, "1000"),
    ("bad category", lambda w: {"account_id": w["bob"].id, "category": "rude"}, 422, "Category"),
    ("violation without rules", lambda w: {"account_id": w["bob"].id, "category": "violation"}, 422, "rule_ids"),
    ("unknown rule", lambda w: {"account_id": w["bob"].id, "rule_ids": ["being-rude"]}, 422, "being-rude"),
    (
        "another account's status",
        lambda w: {"account_id": w["bob"].id, "status_ids": [w["carol_status"]]},
        422,
        "not by the reported account",
    ),
    ("unknown status", lambda w: {"account_id": w["bob"].id, "status_ids": ["12345"]}, 404, "Record not found"),
    (
        "a status the reporter cannot see",
        lambda w: {"account_id": w["bob"].id, "status_ids": [w["bob_private"]]},
        404,
        "Record not found",
    ),
]


@pytest.mark.parametrize(("name", "body", "status", "words"), BAD_REPORTS, ids=[b[0] for b in BAD_REPORTS])
def test_bad_reports_are_refused_with_a_reason(
    people: dict[str, User], services: Services, name: str, body: Callable[..., dict[str, Any]], status: int, words: str
) -> None:
    world: dict[str, Any] = dict(people)
    world["carol_status"] = people["carol"].status("hello")["id"]
    world["bob_private"] = people["bob"].status("for my followers", visibility="private")["id"]
    r = people["alice"].post("/api/v1/reports", json=body(world))
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"}
    assert words in r.json()["error"]
    with services.db.unit() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Report)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_report_needs_the_write_reports_scope(services: Services, client: TestClient, people: dict[str, User]) -> None:
    reader = make_user(services, client, "reader", scopes="read")
    r = reader.post("/api/v1/reports", json={"account_id": people["bob"].id})
    assert r.status_code == 403
    assert r.json() == {"error": "This action is outside the authorized scopes"}
    assert client.post("/api/v1/reports", json={"account_id": people["bob"].id}).status_code == 401


def test_reports_on_one_account_gather_into_one_case(
    services: Services, client: TestClient, people: dict[str, User]
) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    first = bob.status("first")["id"]
    second = bob.status("second")["id"]
    assert alice.post("/api/v1/reports", json={"account_id": bob.id, "status_ids": [first]}).status_code == 200
    assert carol.post(
        "/api/v1/reports", json={"account_id": bob.id, "status_ids": [first, second], "rule_ids": ["abuse-harassment"]}
    ).status_code == 200
    # A report on someone else opens a case of its own.
    assert alice.post("/api/v1/reports", json={"account_id": carol.id}).status_code == 200

    mod = make_staff(services, client, "mod")
    cases = mod.get("/api/parley/v1/cases", params={"account_id": bob.id}).json()
    assert len(cases) == 1
    case = cases[0]
    assert case["state"] == "open"
    assert case["report_count"] == 2
    assert case["rule_ids"] == ["abuse-harassment"]
    assert sorted(case["status_ids"]) == sorted([first, second])
    # Ten times the gravest weight (abuse-harassment: severity 3) plus two reporters.
    assert case["priority"] == 32
    detail = mod.get(f"/api/parley/v1/cases/{case['id']}").json()
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds == ["opened", "report", "report"]
    assert [e["account"]["id"] for e in detail["events"][1:]] == [alice.id, carol.id]
    assert all(e["automated"] is False for e in detail["events"])
    assert len(mod.get("/api/parley/v1/cases").json()) == 2


def test_a_reporter_repeating_a_report_does_not_climb_the_queue(
    services: Services, client: TestClient, people: dict[str, User]
) -> None:
    for _ in range(3):
        r = people["alice"].post("/api/v1/reports", json={"account_id": people["bob"].id, "category": "spam"})
        assert r.status_code == 200
    mod = make_staff(services, client, "mod")
    (case,) = mod.get("/api/parley/v1/cases").json()
    assert case["report_count"] == 3
    assert case["priority"] == 21  # spam weighs 2; one reporter


def test_a_muted_reporter_is_heard_but_opens_no_case(
    services: Services, client: TestClient, people: dict[str, User]
) -> None:
    alice, bob = people["alice"], people["bob"]
    mod = make_staff(services, client, "mod")
    r = mod.put(f"/api/parley/v1/reporters/{alice.id}/mute")
    assert r.status_code == 200, r.text
    assert r.json()["muted"] is True and r.json()["muted_by_account_id"] == mod.id
    assert mod.put(f"/api/parley/v1/reporters/{alice.id}/mute").status_code == 200  # again: no change

    r = alice.post("/api/v1/reports", json={"account_id": bob.id, "comment": "again"})
    assert r.status_code == 200, r.text
    report_id = int(r.json()["id"])
    with services.db.unit() as uow:
        report = uow.session.get(Report, report_id)
        assert report is not None and report.case_id is None
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 0
        assert uow.session.scalar(select(func.count()).select_from(CaseEvent)) == 0
    assert mod.get("/api/parley/v1/cases").json() == []

    r = mod.delete(f"/api/parley/v1/reporters/{alice.id}/mute")
    assert r.status_code == 200 and r.json()["muted"] is False
    assert alice.post("/api/v1/reports", json={"account_id": bob.id}).status_code == 200
    (case,) = mod.get("/api/parley/v1/cases").json()
    assert case["report_count"] == 1  # the muted report stays out of the queue


def test_only_moderators_mute_reporters(services: Services, client: TestClient, people: dict[str, User]) -> None:
    staffless = make_user(services, client, "eve", scopes="read write admin:read admin:write")
    r = staffless.put(f"/api/parley/v1/reporters/{people['alice'].id}/mute")
    assert r.status_code == 403
    assert r.json() == {"error": "This action is not allowed"}
    mod = make_staff(services, client, "mod")
    assert mod.put("/api/parley/v1/reporters/999999/mute").status_code == 404


def test_reports_are_rate_limited_per_reporter(settings: Settings, people: dict[str, User]) -> None:
    limited = replace(settings, rate_limits_enabled=True, rate_limit_reports_per_hour=2, rate_limit_posts_per_3h=2)
    services = Services.build(limited)
    try:
        with TestClient(create_app(limited, services), base_url=BASE_URL) as client:
            alice = replace(people["alice"], client=client)
            carol = replace(people["carol"], client=client)
            body = {"account_id": people["bob"].id}
            assert [alice.post("/api/v1/reports", json=body).status_code for _ in range(3)] == [200, 200, 429]
            r = alice.post("/api/v1/reports", json=body)
            assert r.status_code == 429 and r.json() == {"error": "Too many requests"}
            assert carol.post("/api/v1/reports", json=body).status_code == 200
    finally:
        services.close()
