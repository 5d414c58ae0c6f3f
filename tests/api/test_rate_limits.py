"""Rate limits answer 429 with Mastodon's X-RateLimit headers (memory or Redis counters)."""

from __future__ import annotations

from dataclasses import replace

from starlette.testclient import TestClient

from parley.app import create_app
from parley.services import Services
from parley.settings import Settings
from tests.factories import make_user


def test_api_rate_limit(settings: Settings) -> None:
    limited = replace(settings, rate_limits_enabled=True, rate_limit_per_5min=3, rate_limit_posts_per_3h=2)
    services = Services.build(limited)
    try:
        with TestClient(create_app(limited, services), base_url="http://parley.test") as client:
            alice = make_user(services, client, "alice")
            seen = [alice.get("/api/v1/timelines/home") for _ in range(4)]
            assert [r.status_code for r in seen] == [200, 200, 200, 429]
            assert seen[0].headers["X-RateLimit-Limit"] == "3"
            assert seen[0].headers["X-RateLimit-Remaining"] == "2"
            assert seen[3].json() == {"error": "Too many requests"}
            assert seen[3].headers["X-RateLimit-Remaining"] == "0"
            assert seen[3].headers["X-RateLimit-Reset"].endswith("Z")
            # Another caller has a budget of its own.
            bob = make_user(services, client, "bob")
            assert bob.get("/api/v1/timelines/home").status_code == 200
            posts = [bob.post("/api/v1/statuses", json={"status": f"p{i}"}).status_code for i in range(3)]
            assert posts[:2] == [200, 200] and posts[2] == 429
    finally:
        services.close()
