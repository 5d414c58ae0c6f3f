"""``GET /api/v1/instance/rules`` and the ``rules`` of ``/api/v1/instance`` and
``/api/v2/instance`` serve the catalog in Mastodon's Rule shape."""

from __future__ import annotations

from dataclasses import replace

from starlette.testclient import TestClient

from parley.safety.catalog import load_catalog, shipped_catalog
from parley.services import Services

SHIPPED = shipped_catalog()
IDS = [rule.id for rule in SHIPPED]


def rules(client: TestClient) -> list[dict]:
    r = client.get("/api/v1/instance/rules")
    assert r.status_code == 200
    return r.json()


def test_rules_have_mastodons_shape_and_parleys_extension(client: TestClient, services: Services) -> None:
    with services.db.unit() as uow:
        load_catalog(uow.session, SHIPPED)
    served = rules(client)
    assert [rule["id"] for rule in served] == IDS
    for rule in served:
        assert set(rule) == {"id", "text", "hint", "translations", "parley"}
        assert isinstance(rule["id"], str)
        assert set(rule["translations"]) == {"nl"}
        assert set(rule["translations"]["nl"]) == {"text", "hint"}
    glory = served[IDS.index("glorification-of-violence")]
    assert glory["text"] == "Glorification of violence"
    assert glory["hint"].startswith("Do not praise, celebrate or condone violent acts")
    assert glory["translations"]["nl"]["text"] == "Verheerlijking van geweld"
    assert glory["parley"] == {
        "group": "safety",
        "severity": 4,
        "version": 1,
        "public_interest_eligible": True,
        "immediate_suspension": False,
        "dsa_category": "STATEMENT_CATEGORY_VIOLENCE",
        "dsa_keyword": "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        "actions": ["limit_reach", "public_interest_notice", "remove", "warn", "read_only", "lock", "suspend"],
        "default_action": "remove",
    }
    threats = served[IDS.index("violent-threats")]["parley"]
    assert threats["public_interest_eligible"] is False and threats["immediate_suspension"] is True
    assert threats["dsa_keyword"] is None


def test_a_fresh_database_serves_the_shipped_catalog(client: TestClient) -> None:
    served = rules(client)
    assert [rule["id"] for rule in served] == IDS
    assert all(rule["parley"]["version"] == 1 for rule in served)


def test_the_instance_lists_the_same_rules(client: TestClient, services: Services) -> None:
    changed = [
        replace(rule, version=2, title={"en": "Threats of violence", "nl": "Dreigen met geweld"})
        if rule.id == "violent-threats" else rule
        for rule in SHIPPED
        if rule.id != "impersonation"
    ]
    with services.db.unit() as uow:
        load_catalog(uow.session, SHIPPED)
        load_catalog(uow.session, changed)
    served = rules(client)
    assert [rule["id"] for rule in served] == [rule.id for rule in changed]
    threats = served[0]
    assert threats["text"] == "Threats of violence" and threats["parley"]["version"] == 2
    assert threats["translations"] == {"nl": {"text": "Dreigen met geweld", "hint": SHIPPED[0].description["nl"]}}
    assert client.get("/api/v1/instance").json()["rules"] == served
    assert client.get("/api/v2/instance").json()["rules"] == served


def test_rules_need_no_token(client: TestClient) -> None:
    r = client.get("/api/v1/instance/rules", headers={"Authorization": "Bearer revoked"})
    assert r.status_code == 200 and len(r.json()) == len(IDS)
