"""The log over HTTP, as RFC 6962 section 4: decisions made through the API appear in it,
once each, in order; tree heads are signed; every proof the API serves verifies; bad
parameters answer 400 with the reason, never 500.

``make_world`` and ``decide_on_posts`` are shared with ``test_verify.py``.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from typing import Any

import pytest
from starlette.testclient import TestClient

from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Decision
from parley.transparency import keys, log, merkle
from parley.transparency.statements import public_statement
from tests.factories import make_user
from tests.moderation import decide, report_case, staff_world
from tests.transparency.test_log import add_decision

CT = "/api/parley/v1/transparency/ct/v1"
KEY = "/api/parley/v1/transparency/public-key"


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    return make_world(services, client)


def make_world(services: Services, client: TestClient) -> dict[str, Any]:
    """The staff and the shipped rules, a troll and the person the troll insults."""
    world = staff_world(services, client)
    return {**world, "troll": world["make"]("troll"), "victim": world["make"]("victim")}


def decide_on_posts(world: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` reports of the troll's posts, each decided (less reach: no strike, so the
    troll can keep posting) through the API; the decisions as the API answers them."""
    troll, victim, mod = world["troll"], world["victim"], world["mod1"]
    out = []
    for i in range(count):
        post = troll.status(f"@victim nobody wants you here ({i})")
        case_id = report_case(victim, troll, post["id"], "abuse-harassment", mod)
        r = decide(mod, case_id, rule_id="abuse-harassment", actions=["limit_reach"], status_id=post["id"], reasons=f"Insulting ({i}).")
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


def reverse_on_appeal(world: dict[str, Any], decision: dict[str, Any]) -> str:
    """The troll appeals, the other moderator approves: the id of the reversal."""
    r = world["troll"].post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "I was joking."})
    assert r.status_code == 200, r.text
    r = world["mod2"].post(f"/api/parley/v1/appeals/{r.json()['id']}/resolve", json={"outcome": "approve", "reasons": "A joke."})
    assert r.status_code == 200, r.text
    return str(r.json()["reversal_id"])


def get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def all_entries(client: TestClient) -> list[bytes]:
    size = get(client, f"{CT}/get-sth")["tree_size"]
    out: list[bytes] = []
    while len(out) < size:
        page = get(client, f"{CT}/get-entries", start=len(out), end=size - 1)["entries"]
        out += [base64.b64decode(e["leaf_input"]) for e in page]
    return out


def test_every_decision_and_reversal_is_logged_once_in_order(world: dict[str, Any], client: TestClient, settings: Settings) -> None:
    made = decide_on_posts(world, 3)
    assert [d["log_index"] for d in made] == [0, 1, 2]
    reversal_id = reverse_on_appeal(world, made[1])
    shown = world["mod1"].get(f"/api/parley/v1/decisions/{reversal_id}").json()
    assert shown["log_index"] == 3 and shown["reverses_id"] == made[1]["id"]
    assert world["troll"].get(f"/api/parley/v1/decisions/{made[0]['id']}").json()["log_index"] == 0

    entries = all_entries(client)
    assert len(entries) == 4
    services: Services = world["services"]
    for index, data in enumerate(entries):
        entry = json.loads(data)
        assert set(entry) == {"decision_id", "logged_at", "previous_tree_size", "statement_of_reasons", "version"}
        assert entry["previous_tree_size"] == index
        assert entry["decision_id"] == ([d["id"] for d in made] + [reversal_id])[index]
        assert log.canonical_json(entry) == data
        with services.db.unit(write=False) as uow:
            decision = uow.session.get(Decision, int(entry["decision_id"]))
            assert decision is not None
            assert entry["statement_of_reasons"] == json.loads(log.canonical_json(public_statement(uow.session, decision, settings)))
        # A private person is a pseudonym in the log, never a name.
        assert b"troll" not in data and b"victim" not in data


def test_tree_heads_are_signed_and_every_proof_verifies(world: dict[str, Any], client: TestClient, settings: Settings) -> None:
    decide_on_posts(world, 5)
    key = get(client, KEY)
    public = base64.b64decode(key["public_key"])
    sth = get(client, f"{CT}/get-sth")
    assert sth["tree_size"] == 5
    root = base64.b64decode(sth["sha256_root_hash"])
    signature = base64.b64decode(sth["tree_head_signature"])
    assert signature[:4] == b"\x08\x07\x00\x40" and len(signature) == 68
    assert keys.verify_tree_head(public, sth["timestamp"], 5, root, signature)
    assert not keys.verify_tree_head(public, sth["timestamp"] + 1, 5, root, signature)

    tree = merkle.Tree(merkle.leaf_hash(e) for e in all_entries(client))
    assert tree.root() == root
    for index in range(5):
        for size in range(index + 1, 6):
            leaf = tree.node(0, index)
            found = get(client, f"{CT}/get-proof-by-hash", hash=base64.b64encode(leaf).decode(), tree_size=size)
            assert found["leaf_index"] == index
            path = [base64.b64decode(p) for p in found["audit_path"]]
            assert merkle.verify_inclusion(leaf, index, size, path, tree.root(size))
    for second in range(0, 6):
        for first in range(0, second + 1):
            proof = [base64.b64decode(p) for p in get(client, f"{CT}/get-sth-consistency", first=first, second=second)["consistency"]]
            assert merkle.verify_consistency(first, second, tree.root(first), tree.root(second), proof), (first, second)


def test_bad_parameters_answer_400_with_the_reason(world: dict[str, Any], client: TestClient) -> None:
    decide_on_posts(world, 2)
    leaf = base64.b64encode(merkle.leaf_hash(b"not an entry")).decode()
    bad = [
        ("get-sth-consistency", {}),
        ("get-sth-consistency", {"first": "1"}),
        ("get-sth-consistency", {"first": "x", "second": "2"}),
        ("get-sth-consistency", {"first": "-1", "second": "2"}),
        ("get-sth-consistency", {"first": "1.5", "second": "2"}),
        ("get-sth-consistency", {"first": "2", "second": "1"}),
        ("get-sth-consistency", {"first": "1", "second": "3"}),
        ("get-sth-consistency", {"first": "1", "second": str(2**64)}),
        ("get-sth-consistency", {"first": "١", "second": "2"}),  # an Arabic-Indic digit
        ("get-proof-by-hash", {"tree_size": "2"}),
        ("get-proof-by-hash", {"hash": "!!!", "tree_size": "2"}),
        ("get-proof-by-hash", {"hash": base64.b64encode(b"short").decode(), "tree_size": "2"}),
        ("get-proof-by-hash", {"hash": leaf, "tree_size": "3"}),
        ("get-proof-by-hash", {"hash": leaf}),
        ("get-entries", {}),
        ("get-entries", {"start": "0"}),
        ("get-entries", {"start": "1", "end": "0"}),
        ("get-entries", {"start": "2", "end": "5"}),
        ("get-entries", {"start": "9223372036854775807", "end": "9223372036854775807"}),
        ("get-entries", {"start": "", "end": "1"}),
    ]
    for name, params in bad:
        r = client.get(f"{CT}/{name}", params=params)
        assert r.status_code == 400, (name, params, r.status_code, r.text)
        assert r.json()["error"], (name, params)
    r = client.get(f"{CT}/get-proof-by-hash", params={"hash": leaf, "tree_size": "2"})
    assert r.status_code == 404 and "leaf hash" in r.json()["error"]


def test_get_entries_serves_at_most_a_thousand_at_a_time(services: Services, client: TestClient) -> None:
    account = int(make_user(services, client, "subject").id)
    with services.db.unit() as uow:
        for n in range(1003):
            log.append_entry(uow.session, add_decision(uow.session, account), {"n": n})
    first = get(client, f"{CT}/get-entries", start=0, end=5000)["entries"]
    assert len(first) == log.MAX_ENTRIES == 1000
    assert all(e["extra_data"] == "" for e in first)
    rest = get(client, f"{CT}/get-entries", start=1000, end=5000)["entries"]
    assert [json.loads(base64.b64decode(e["leaf_input"]))["statement_of_reasons"]["n"] for e in rest] == [1000, 1001, 1002]


def test_the_public_key_is_made_once_and_kept_private(client: TestClient, settings: Settings) -> None:
    first = get(client, KEY)
    again = get(client, KEY)
    assert first == again and first["algorithm"] == "Ed25519"
    path = keys.key_path(settings.data_dir)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in settings.data_dir.iterdir() if p.name.startswith(".transparency")] == []
    raw = base64.b64decode(first["public_key"])
    assert raw == keys.public_raw(keys.load_or_create(settings.data_dir))
    from cryptography.hazmat.primitives import serialization

    pem = serialization.load_pem_public_key(first["public_key_pem"].encode())
    assert keys.public_raw(pem) == raw  # type: ignore[arg-type]
    assert base64.b64decode(first["log_id"]) == keys.log_id(raw)


def test_the_log_is_public(world: dict[str, Any], client: TestClient) -> None:
    decide_on_posts(world, 1)
    for path in (f"{CT}/get-sth", f"{CT}/get-entries?start=0&end=0", KEY):
        assert client.get(path).status_code == 200
        assert client.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 200
