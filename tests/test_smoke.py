from __future__ import annotations

from starlette.testclient import TestClient

from parley.services import Services
from tests.factories import make_user


def test_instance_reports_mastodon_compatible_version(client: TestClient) -> None:
    r = client.get("/api/v1/instance")
    assert r.status_code == 200
    assert r.json()["version"].startswith("4.3.0 (compatible; Parley ")
    assert r.json()["configuration"]["statuses"]["max_characters"] == 280


def test_post_and_read_back(client: TestClient, services: Services) -> None:
    alice = make_user(services, client, "alice")
    status = alice.status("hello #world")
    assert status["account"]["username"] == "alice"
    r = alice.get(f"/api/v1/statuses/{status['id']}")
    assert r.status_code == 200
    assert r.json()["tags"] == [{"name": "world", "url": "http://parley.test/tags/world"}]
