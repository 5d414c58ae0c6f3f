"""``parley transparency export`` and the public statements endpoint's paging."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from parley import cli
from parley.safety.decisions import DecisionInput, decide
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Account
from parley.transparency.dsa import validate_statement
from parley.transparency.statements import batches, export_statements
from tests.factories import User
from tests.transparency.test_log import counted

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _decide_many(services: Services, moderator: User, author: User, posts: list[str], count: int, start: datetime) -> list[int]:
    """``count`` decisions, one a minute from ``start``, through the domain function."""
    made: list[int] = []
    with services.db.unit() as uow:
        mod = uow.session.get(Account, int(moderator.id))
        assert mod is not None
        for i in range(count):
            data = DecisionInput(
                rule_id="hateful-conduct",
                actions=("limit_reach",),
                reasons=f"Decision {i} about @{author.username}.",
                post_id=int(posts[i % len(posts)]),
            )
            made.append(decide(uow.session, services.settings, mod, int(author.id), data, now=start + timedelta(minutes=i)).id)
    return made


def test_batches_hold_at_most_a_hundred() -> None:
    sizes = [len(b["statements"]) for b in batches({"puid": str(i)} for i in range(250))]
    assert sizes == [100, 100, 50]
    assert [len(b["statements"]) for b in batches({"puid": str(i)} for i in range(200))] == [100, 100]
    assert list(batches([])) == []


def test_export_writes_batches_of_valid_statements(world: dict[str, Any], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services: Services = world["services"]
    author: User = world["make"]("author")
    posts = [author.status(f"Post number {i}")["id"] for i in range(5)]
    _decide_many(services, world["mod1"], author, posts, 10, START - timedelta(days=30))  # before --since
    made = _decide_many(services, world["mod1"], author, posts, 250, START)

    out = io.StringIO()
    with services.db.unit(write=False) as uow:
        result = export_statements(uow.session, services.settings, START, out)
    assert (result.statements, result.batches, result.invalid) == (250, 3, [])
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    parsed = [json.loads(line) for line in lines]
    assert [len(b["statements"]) for b in parsed] == [100, 100, 50]
    statements = [s for b in parsed for s in b["statements"]]
    assert [s["puid"] for s in statements] == [f"parley-decision-{i}" for i in made]  # oldest first
    for statement in statements:
        assert "parley" not in statement  # only the database's fields
        assert validate_statement(statement) == []
        assert "author" not in json.dumps(statement)
    assert statements[0]["application_date"] == "2026-01-01"

    # The command writes the same lines to a file.
    monkeypatch.setenv("PARLEY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PARLEY_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("PARLEY_BASE_URL", settings.base_url)
    monkeypatch.setenv("PARLEY_DATA_DIR", str(tmp_path))
    target = tmp_path / "statements.jsonl"
    assert cli.main(["transparency", "export", "--since", "2026-01-01", "--out", str(target)]) == 0
    assert target.read_text().splitlines() == lines
    # A later date leaves the earlier decisions out.
    assert cli.main(["transparency", "export", "--since", "2026-01-02", "--out", str(target)]) == 0
    assert target.read_text() == ""
    assert cli.main(["transparency", "export", "--since", "yesterday"]) == 2


def test_the_statements_endpoint_pages_like_mastodon(world: dict[str, Any]) -> None:
    services: Services = world["services"]
    client: TestClient = world["client"]
    author: User = world["make"]("author")
    posts = [author.status("A post")["id"]]
    made = _decide_many(services, world["mod1"], author, posts, 7, START)
    newest_first = [f"parley-decision-{i}" for i in reversed(made)]

    r = client.get("/api/parley/v1/transparency/statements", params={"limit": 3})
    assert r.status_code == 200, r.text
    assert [s["puid"] for s in r.json()] == newest_first[:3]
    assert all(validate_statement(s) == [] for s in r.json())
    link = r.headers["Link"]
    assert f"max_id={made[-3]}" in link and f"min_id={made[-1]}" in link and "limit=3" in link

    r = client.get("/api/parley/v1/transparency/statements", params={"limit": 3, "max_id": made[-3]})
    assert [s["puid"] for s in r.json()] == newest_first[3:6]
    r = client.get("/api/parley/v1/transparency/statements", params={"limit": 3, "max_id": made[0]})
    assert r.json() == [] and "Link" not in r.headers
    r = client.get("/api/parley/v1/transparency/statements", params={"since_id": made[4]})
    assert [s["puid"] for s in r.json()] == newest_first[:2]
    r = client.get("/api/parley/v1/transparency/statements", params={"min_id": made[1], "limit": 2})
    assert [s["puid"] for s in r.json()] == [f"parley-decision-{made[3]}", f"parley-decision-{made[2]}"]
    # Up to 100 a page; no token needed, and a bad one is ignored.
    r = client.get("/api/parley/v1/transparency/statements", params={"limit": 500}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 200 and len(r.json()) == 7


def test_a_page_of_statements_costs_the_same_queries_as_one(world: dict[str, Any]) -> None:
    services: Services = world["services"]
    client: TestClient = world["client"]
    authors: list[User] = [world["make"](f"author{i}") for i in range(4)]
    for author in authors:
        _decide_many(services, world["mod1"], author, [author.status("A post")["id"]], 3, START)
    def queries(limit: int) -> int:
        with counted(services) as statements:
            assert len(client.get("/api/parley/v1/transparency/statements", params={"limit": limit}).json()) == limit
        return len(statements)

    assert queries(1) == queries(12)
