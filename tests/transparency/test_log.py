"""The stored log: exact entry bytes, one hash per perfect subtree, roots and proofs read
from the store equal to the in-memory tree's, a few queries each, appends serialised and
atomic with their decision.

The decisions here are bare rows with synthetic statements: this file tests the storage;
``test_ct_api.py`` and ``test_verify.py`` make real decisions through the API.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley import ids
from parley.accounts.service import create_account
from parley.errors import NotFound
from parley.services import Services
from parley.store.tables import Decision, TransparencyEntry, TransparencyNode
from parley.transparency import keys, log, merkle


@pytest.fixture
def subject(services: Services) -> int:
    with services.db.unit() as uow:
        return create_account(uow.session, "subject", email="subject@example.org", password="correct horse").id


def add_decision(session: Session, account_id: int) -> int:
    decision = Decision(id=ids.new_id(), account_id=account_id, rule_id="spam", rule_version=1, reasons="Spam.")
    session.add(decision)
    session.flush()
    return decision.id


def append_some(services: Services, account_id: int, count: int, batch: int = 10) -> None:
    done = 0
    while done < count:
        with services.db.unit() as uow:
            for _ in range(min(batch, count - done)):
                decision_id = add_decision(uow.session, account_id)
                log.append_entry(uow.session, decision_id, {"n": done, "text": "synthetic"})
                done += 1


def stored_tree(services: Services) -> merkle.Tree:
    """The in-memory tree of the stored entries' bytes, hashed here."""
    with services.db.unit(write=False) as uow:
        data = uow.session.scalars(select(TransparencyEntry.leaf_input).order_by(TransparencyEntry.leaf_index))
        return merkle.Tree(merkle.leaf_hash(bytes(d)) for d in data)


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement != "BEGIN":  # SQLite opens its transactions with a statement
            statements.append(statement)

    engines = services.db.engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def test_an_entry_is_the_canonical_json_of_its_fields(services: Services, subject: int) -> None:
    moment = datetime(2026, 11, 24, 16, 46, 11, 123456, tzinfo=UTC)
    statement = {"zeta": "ünïcödé ✓", "alpha": [2, 1], "nested": {"b": None, "a": True}}
    with services.db.unit() as uow:
        decision_id = add_decision(uow.session, subject)
        index = log.append_entry(uow.session, decision_id, statement, now=moment)
    assert index == 0
    expected = (
        f'{{"decision_id":"{decision_id}","logged_at":"2026-11-24T16:46:11.123Z","previous_tree_size":0,'
        '"statement_of_reasons":{"alpha":[2,1],"nested":{"a":true,"b":null},"zeta":"ünïcödé ✓"},"version":1}'
    )
    with services.db.unit(write=False) as uow:
        entry = uow.session.get(TransparencyEntry, 0)
        assert entry is not None
        assert bytes(entry.leaf_input) == expected.encode("utf-8")
        assert bytes(entry.leaf_hash) == merkle.leaf_hash(expected.encode("utf-8"))
        assert entry.decision_id == decision_id
        assert log.entry_of(uow.session, decision_id) == (0, expected.encode("utf-8"))


def test_roots_and_proofs_from_the_store_equal_the_in_memory_tree(services: Services, subject: int) -> None:
    append_some(services, subject, 70, batch=9)
    tree = stored_tree(services)
    assert tree.size == 70
    sizes = [*range(0, 18), 31, 32, 33, 63, 64, 65, 69, 70]
    with services.db.unit(write=False) as uow:
        s = uow.session
        assert log.tree_size(s) == 70
        for n in range(0, 71):
            assert log.root(s, n) == tree.root(n), n
        for n in sizes:
            for m in range(n):
                assert log.inclusion_proof(s, m, n) == tree.inclusion_proof(m, n), (m, n)
            for m in range(n + 1):
                assert log.consistency_proof(s, m, n) == tree.consistency_proof(m, n), (m, n)
        leaf = tree.node(0, 41)
        assert log.proof_by_hash(s, leaf, 70) == (41, tree.inclusion_proof(41, 70))
        with pytest.raises(NotFound):
            log.proof_by_hash(s, leaf, 41)  # not yet in the tree of 41 entries
        assert [merkle.leaf_hash(e) for e in log.entries(s, 5, 9)] == tree.levels[0][5:10]


def test_one_stored_hash_per_perfect_subtree(services: Services, subject: int) -> None:
    append_some(services, subject, 45)
    tree = stored_tree(services)
    with services.db.unit(write=False) as uow:
        nodes = uow.session.execute(select(TransparencyNode.level, TransparencyNode.node_index, TransparencyNode.hash)).all()
        hashes = uow.session.execute(select(TransparencyEntry.leaf_index, TransparencyEntry.leaf_hash)).all()
    assert len(nodes) == 45 - (45).bit_count()
    assert all(bytes(h) == tree.node(level, index) for level, index, h in nodes)
    assert all(bytes(h) == tree.node(0, index) for index, h in hashes)


def test_appends_and_proofs_cost_a_few_statements(services: Services, subject: int) -> None:
    append_some(services, subject, 100)
    with services.db.unit() as uow:
        decision_id = add_decision(uow.session, subject)
        uow.session.flush()
        with counted(services) as statements:
            assert log.append_entry(uow.session, decision_id, {"n": 100}) == 100  # completes 2 nodes
        assert len(statements) <= 6, statements
    with services.db.unit(write=False) as uow:
        s = uow.session
        for work in (
            lambda: log.root(s, 101),
            lambda: log.inclusion_proof(s, 37, 101),
            lambda: log.consistency_proof(s, 37, 101),
        ):
            with counted(services) as statements:
                work()
            assert len(statements) <= 3, statements


def test_the_empty_log(services: Services, settings: Any) -> None:
    with services.db.unit(write=False) as uow:
        assert log.tree_size(uow.session) == 0
        assert log.root(uow.session, 0) == merkle.EMPTY_ROOT
        assert log.consistency_proof(uow.session, 0, 0) == []
        head = log.tree_head(uow.session, settings)
        with pytest.raises(log.BadRequest):
            log.entries(uow.session, 0, 10)
    public = keys.public_raw(keys.load_or_create(settings.data_dir))
    assert keys.verify_tree_head(public, head.timestamp, 0, merkle.EMPTY_ROOT, head.signature)


def test_an_entry_exists_only_with_its_decision(services: Services, subject: int) -> None:
    append_some(services, subject, 3)
    # The decision's transaction fails: neither the decision nor its entry remains.
    with pytest.raises(RuntimeError), services.db.unit() as uow:
        decision_id = add_decision(uow.session, subject)
        log.append_entry(uow.session, decision_id, {"n": 3})
        raise RuntimeError("the rest of the decision failed")
    with services.db.unit(write=False) as uow:
        assert log.tree_size(uow.session) == 3
        assert uow.session.get(Decision, decision_id) is None
    # An entry for a decision that does not exist cannot be stored.
    with pytest.raises(IntegrityError), services.db.unit() as uow:
        log.append_entry(uow.session, ids.new_id(), {"n": 3})
    # A logged decision cannot be deleted, nor logged twice.
    with services.db.unit(write=False) as uow:
        first = uow.session.scalar(select(TransparencyEntry.decision_id).where(TransparencyEntry.leaf_index == 0))
    with pytest.raises(IntegrityError), services.db.unit() as uow:
        uow.session.execute(delete(Decision).where(Decision.id == first))
    with pytest.raises(IntegrityError), services.db.unit() as uow:
        log.append_entry(uow.session, first, {"again": True})
    with services.db.unit(write=False) as uow:
        assert log.tree_size(uow.session) == 3


def test_concurrent_appends_take_turns(services: Services, subject: int) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            append_some(services, subject, 12, batch=1)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    tree = stored_tree(services)
    with services.db.unit(write=False) as uow:
        s = uow.session
        assert log.tree_size(s) == 48
        assert s.scalar(select(func.count()).select_from(TransparencyEntry)) == 48
        assert log.root(s, 48) == tree.root()
        claimed = [
            json.loads(bytes(d))["previous_tree_size"]
            for d in s.scalars(select(TransparencyEntry.leaf_input).order_by(TransparencyEntry.leaf_index))
        ]
    assert claimed == list(range(48))


def test_a_missing_stored_hash_is_reported_not_guessed(services: Services, subject: int) -> None:
    append_some(services, subject, 8)
    with services.db.unit() as uow:
        uow.session.execute(delete(TransparencyNode).where(TransparencyNode.level == 3))
    with services.db.unit(write=False) as uow, pytest.raises(log.CorruptLog):
        log.root(uow.session, 8)
    with services.db.unit() as uow:
        uow.session.execute(update(TransparencyEntry).values(leaf_hash=b"\x00" * 32))
    with services.db.unit(write=False) as uow:
        assert log.root(uow.session, 7) != stored_tree(services).root(7)


def test_impossible_sizes_are_bad_requests(services: Services, subject: int) -> None:
    append_some(services, subject, 5)
    with services.db.unit(write=False) as uow:
        s = uow.session
        for call in (
            lambda: log.root(s, 6),
            lambda: log.inclusion_proof(s, 5, 5),
            lambda: log.inclusion_proof(s, 0, 6),
            lambda: log.consistency_proof(s, 3, 6),
            lambda: log.consistency_proof(s, 4, 3),
            lambda: log.entries(s, 5, 5),
            lambda: log.entries(s, 3, 2),
        ):
            with pytest.raises(log.BadRequest):
                call()
        assert len(log.entries(s, 3, 10**9)) == 2
