"""Accounts, instance metadata, and the error contract."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from parley.services import Services
from tests.factories import User

MakeUser = Callable[..., User]


def test_account_entity_shape(user: MakeUser, client: TestClient) -> None:
    alice = user("alice", display_name="Alice")
    a = client.get(f"/api/v1/accounts/{alice.id}").json()
    for field in ("id", "username", "acct", "display_name", "locked", "bot", "created_at", "note", "url", "avatar", "header", "followers_count", "following_count", "statuses_count", "emojis", "fields"):
        assert field in a
    assert a["acct"] == "alice" and a["url"] == "http://parley.test/@alice"
    assert client.get("/api/v1/accounts/lookup", params={"acct": "ALICE"}).json()["id"] == alice.id
    assert client.get("/api/v1/accounts/lookup", params={"acct": "alice@parley.test"}).json()["id"] == alice.id
    assert client.get("/api/v1/accounts/lookup", params={"acct": "alice@elsewhere.example"}).status_code == 404
    assert client.get("/api/v1/accounts/lookup").status_code == 422


def test_update_credentials(user: MakeUser) -> None:
    alice = user("alice")
    r = alice.patch(
        "/api/v1/accounts/update_credentials",
        data={
            "display_name": "Alice L.",
            "note": "Down the <rabbit> hole",
            "locked": "true",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://example.org",
            "source[privacy]": "unlisted",
        },
    )
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["display_name"] == "Alice L." and me["locked"] is True
    assert "&lt;rabbit&gt;" in me["note"] and me["source"]["note"] == "Down the <rabbit> hole"
    assert me["fields"][0]["name"] == "Site" and me["source"]["privacy"] == "unlisted"
    assert alice.status("default visibility")["visibility"] == "unlisted"
    assert alice.patch("/api/v1/accounts/update_credentials", data={"display_name": "x" * 31}).status_code == 422
    assert alice.patch("/api/v1/accounts/update_credentials", data={"source[privacy]": "secret"}).status_code == 422


def test_account_search(user: MakeUser) -> None:
    alice = user("alice")
    user("alicia")
    user("bob")
    names = [a["username"] for a in alice.get("/api/v1/accounts/search", params={"q": "ali"}).json()]
    assert sorted(names) == ["alice", "alicia"]
    assert alice.get("/api/v1/accounts/search", params={"q": "alice"}).json()[0]["username"] == "alice"


def test_errors_are_json_and_never_500(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    r = client.get("/api/v1/does-not-exist")
    assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    r = alice.post("/api/v1/statuses", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["error"]
    r = alice.post("/api/v1/statuses", content=b"[1,2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = alice.post("/api/v1/statuses", json={"status": ["a", "list"]})
    assert r.status_code == 422
    r = alice.get("/api/v1/timelines/home", params={"limit": "lots"})
    assert r.status_code == 422
    r = alice.post(f"/api/v1/accounts/{alice.id}/follow")
    assert r.status_code == 403
    r = alice.post("/api/v1/accounts/abc/follow")
    assert r.status_code == 404
    r = alice.post("/api/v1/statuses", json={"status": "x", "visibility": 5})
    assert r.status_code == 422
    r = alice.post("/api/v1/accounts/123/mute", json={"duration": -5})
    assert r.status_code in (404, 422)


def test_request_body_limit(services: Services, client: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    big = b"x" * (services.settings.max_request_bytes + 1)
    r = alice.post("/api/v1/statuses", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger" in r.json()["error"]


def test_instance_endpoints(client: TestClient) -> None:
    v1 = client.get("/api/v1/instance").json()
    assert v1["uri"] == "parley.test" and "Parley" in v1["version"]
    v2 = client.get("/api/v2/instance").json()
    assert v2["domain"] == "parley.test" and v2["configuration"]["statuses"]["max_characters"] == 280
    assert v2["configuration"]["media_attachments"]["image_size_limit"] > 0
    rules = client.get("/api/v1/instance/rules").json()
    assert rules and all(isinstance(rule["id"], str) and rule["text"] and rule["hint"] for rule in rules)
    assert "violent-threats" in [rule["id"] for rule in rules]
    assert v1["rules"] == v2["rules"] == rules


def test_openapi_description_is_served(client: TestClient) -> None:
    doc = client.get("/api/parley/v1/openapi.json").json()
    assert "/api/v1/timelines/home" in doc["paths"] and doc["info"]["title"] == "Parley"
