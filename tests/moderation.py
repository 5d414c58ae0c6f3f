"""Moderation through the API, for the tests of the safety and transparency work: staff,
a head of state, a report that opens a case, a decision on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from starlette.testclient import TestClient

from parley.safety.catalog import load_catalog, shipped_catalog
from parley.services import Services
from parley.store.tables import Account
from tests.factories import STAFF_SCOPES, User, make_user


def staff_world(services: Services, client: TestClient) -> dict[str, Any]:
    """The rules loaded, an admin, two moderators, and ``make`` for anyone else."""
    with services.db.unit() as uow:
        load_catalog(uow.session, shipped_catalog())

    def make(name: str, **kw: Any) -> User:
        return make_user(services, client, name, **kw)

    return {
        "make": make,
        "admin": make("admin", role="admin", scopes=STAFF_SCOPES),
        "mod1": make("mod1", role="moderator", scopes=STAFF_SCOPES),
        "mod2": make("mod2", role="moderator", scopes=STAFF_SCOPES),
        "services": services,
        "client": client,
    }


def set_followers(services: Services, user: User, count: int) -> None:
    """The follower count of a head of state, without a hundred thousand rows."""
    with services.db.unit() as uow:
        uow.session.execute(update(Account).where(Account.id == int(user.id)).values(followers_count=count))


def head_of_state(
    world: dict[str, Any],
    name: str = "POTUS",
    *,
    role: str = "President of the United States",
    jurisdiction: str = "United States",
) -> User:
    """A designated, verified account with the followers of a public-interest account."""
    leader: User = world["make"](name)
    r = world["admin"].put(
        f"/api/parley/v1/accounts/{leader.id}/public_office",
        json={"role": role, "jurisdiction": jurisdiction, "verified": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["designated"] is True and r.json()["verified"] is True
    set_followers(world["services"], leader, 120_000)
    return leader


def report_case(reporter: User, author: User, status_id: str, rule_id: str, mod: User) -> str:
    """``reporter`` reports ``author``'s post under ``rule_id``; the id of the open case."""
    r = reporter.post(
        "/api/v1/reports",
        json={
            "account_id": author.id,
            "status_ids": [status_id],
            "category": "violation",
            "rule_ids": [rule_id],
            "comment": "This breaks the rules.",
        },
    )
    assert r.status_code == 200, r.text
    cases = mod.get("/api/parley/v1/cases", params={"account_id": author.id, "state": "open"})
    assert cases.status_code == 200, cases.text
    assert len(cases.json()) == 1
    return str(cases.json()[0]["id"])


def decide(mod: User, case_id: str, **body: Any) -> Any:
    return mod.post(f"/api/parley/v1/cases/{case_id}/decisions", json=body)
