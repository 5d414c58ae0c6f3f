"""Units of work: read units cannot write, idle pooled connections are checked, and pools
keep a connection for each thread that uses them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError

from parley.accounts.service import create_account
from parley.services import Services
from parley.settings import Settings
from parley.store import db as store_db
from parley.store.raw import Statement, rows, rows_many
from parley.store.tables import Account


def make_account(services: Services, name: str) -> int:
    with services.db.unit() as uow:
        return create_account(uow.session, name, email=f"{name}@example.org", password="correct horse").id


def _count(services: Services) -> int:
    with services.db.unit(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Account)) or 0)


def test_a_read_unit_refuses_to_write_and_stores_nothing(services: Services) -> None:
    account_id = make_account(services, "reader")
    with pytest.raises(DBAPIError), services.db.unit(write=False) as uow:
        uow.session.execute(update(Account).where(Account.id == account_id).values(display_name="changed"))
        uow.session.flush()
    with services.db.unit(write=False) as uow:
        assert uow.session.get(Account, account_id).display_name != "changed"  # type: ignore[union-attr]
    # A write unit still writes.
    with services.db.unit() as uow:
        uow.session.execute(update(Account).where(Account.id == account_id).values(display_name="changed"))
    with services.db.unit(write=False) as uow:
        assert uow.session.get(Account, account_id).display_name == "changed"  # type: ignore[union-attr]


def test_a_lone_statement_and_a_batch_read_the_same_rows_in_both_kinds_of_unit(services: Services) -> None:
    ids = [make_account(services, f"u{i}") for i in range(3)]
    one = Statement(select(Account.id).order_by(Account.id))
    for write in (False, True):
        with services.db.unit(write=write) as uow:
            assert [r[0] for r in rows(uow.session, one)] == ids
            a, b = rows_many(uow.session, [(one, None), (one, None)])
            assert [r[0] for r in a] == [r[0] for r in b] == ids


def test_an_idle_connection_that_died_is_replaced_before_use(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    if services.db.sqlite:
        pytest.skip("SQLite has no server connection to lose")
    make_account(services, "someone")
    with services.db.unit(write=False) as uow:
        pid = uow.session.scalar(text("SELECT pg_backend_pid()"))
    with services.db.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    monkeypatch.setattr(store_db, "IDLE_PING_SECONDS", 0.0)
    # The pooled connection is dead; the checkout ping notices and the pool opens another.
    with services.db.unit(write=False) as uow:
        assert uow.session.scalar(text("SELECT pg_backend_pid()")) != pid
    assert _count(services) == 1


def test_a_pool_keeps_a_connection_for_each_thread_instead_of_reopening_them(services: Services) -> None:
    import threading

    make_account(services, "someone")
    threads = services.settings.threads + 1  # the requests' threads and a job worker
    opened = 0

    def on_connect(*_: object) -> None:
        nonlocal opened
        opened += 1

    engine = services.db.read_engine
    event.listen(engine, "connect", on_connect)
    try:

        def burst() -> None:
            barrier = threading.Barrier(threads)

            def read() -> None:
                with services.db.unit(write=False) as uow:
                    uow.session.scalar(select(func.count()).select_from(Account))
                    barrier.wait(timeout=10)  # every unit holds its connection at once

            workers = [threading.Thread(target=read) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=20)

        burst()
        first = opened
        burst()
        assert first >= threads - 1  # the burst did use that many connections at once
        assert opened == first  # and the second one found them all in the pool
    finally:
        event.remove(engine, "connect", on_connect)


def test_the_app_runs_requests_in_as_many_threads_as_configured(settings: Settings) -> None:
    from anyio import to_thread
    from starlette.testclient import TestClient

    from parley.app import create_app

    small = replace(settings, threads=3)
    services = Services.build(small)
    try:
        with TestClient(create_app(small, services)) as client:
            assert client.portal is not None
            assert client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens) == 3
    finally:
        services.close()

