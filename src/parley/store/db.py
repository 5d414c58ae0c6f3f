"""Engines and units of work.

Parley's domain is synchronous SQLAlchemy: the HTTP edge is async and hops into a worker
thread once per request (see ``parley.api.http``). Plain URLs are accepted and the driver
is chosen here: ``sqlite:///path`` uses the standard library's sqlite3 (faster per query
than aiosqlite, which pays a thread hop on every statement), ``postgresql://`` uses psycopg 3.

SQLite runs in WAL mode with foreign keys on. Write units of work start with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of one failing when it
upgrades a read lock; read units start a plain deferred transaction.

Read units cannot write, on either backend (``PRAGMA query_only`` on SQLite): a write
there fails instead of slipping into a transaction meant for reading.

On PostgreSQL every exchange with the server is a round trip, and a home page is bound by
them. Read units run on connections in autocommit mode that the server holds read-only
(``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` when each connects): no
``BEGIN`` and no ``COMMIT``. Each statement sees the data as committed when it starts,
as it would inside a transaction under PostgreSQL's default isolation (read committed).
Pooled connections are pinged only when they come back to work after
``IDLE_PING_SECONDS`` idle, not on every checkout, which would cost a round trip per
request: a restarted server or a dropped connection is noticed there and the whole pool
is replaced; a connection in steady use meets a restart as one failed request, as it
would in the middle of a transaction.

Each pool keeps as many connections as the process has threads that use the database
(``Settings.threads`` for requests, plus job workers). SQLAlchemy closes a connection that
comes back to a full pool, so a pool smaller than the threads using it opened and closed
connections all the time under load: a new PostgreSQL backend per request, and on both
backends the statement caches lost with each connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Map the plain URLs operators write to the drivers Parley uses."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


IDLE_PING_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout if it sat idle; a dead one is replaced."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The server restarted or dropped us: every pooled connection is suspect, so
            # the pool discards them all (as pre-ping does) and this checkout opens anew.
            raise InvalidatePoolError(str(exc)) from exc


def _make_engine(url: str, *, connections: int, immediate: bool = False, read_only: bool = False) -> Engine:
    url = normalise_url(url)
    pool = {"pool_size": connections, "max_overflow": 10}
    if not is_sqlite(url):
        if read_only:
            engine = create_engine(url, isolation_level="AUTOCOMMIT", **pool)

            @event.listens_for(engine, "connect")
            def _read_only(dbapi_conn: Any, _record: Any) -> None:
                # A session setting, once per connection; the URL's own options stay.
                dbapi_conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                dbapi_conn.commit()
        else:
            engine = create_engine(url, **pool)
        _ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the sqlite3 module, open transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        if read_only:
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


ENQUEUED = "parley.enqueued"  # Session.info key where parley.jobs.queue lists new job ids


class UnitOfWork:
    """A session plus the callbacks to run once its transaction has committed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` only if, and after, the transaction commits (events, cache pokes)."""
        self._after_commit.append(fn)

    def _run_after_commit(self) -> None:
        for fn in self._after_commit:
            fn()


class Database:
    """The engines of one Parley instance and a factory for units of work."""

    def __init__(self, url: str, *, connections: int = 10) -> None:
        """``connections``: how many threads of this process use it at once (each pool
        keeps that many open; more are opened for a burst and closed after)."""
        self.url = url
        self.sqlite = is_sqlite(url)
        # ``engine`` reads and writes (migrations, bulk loads); units use the other two.
        self.engine = _make_engine(url, connections=connections)
        self.write_engine = _make_engine(url, connections=connections, immediate=True) if self.sqlite else self.engine
        self.read_engine = _make_engine(url, connections=connections, read_only=True)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False, autoflush=True)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False, autoflush=True)
        # Called with the ids of the jobs a committed transaction wrote (wake a worker,
        # or run them inline).
        self.on_jobs: Callable[[list[int]], None] | None = None

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """Open a transaction; commit on success, roll back on any exception."""
        factory = self._write if write else self._read
        with factory() as session:
            uow = UnitOfWork(session)
            try:
                yield uow
                session.commit()
            except BaseException:
                session.rollback()
                raise
        uow._run_after_commit()
        enqueued = session.info.get(ENQUEUED)
        if enqueued and self.on_jobs is not None:
            self.on_jobs(list(enqueued))

    @property
    def engines(self) -> list[Engine]:
        """Each distinct engine once (for listeners that must see every statement)."""
        found: list[Engine] = []
        for engine in (self.engine, self.write_engine, self.read_engine):
            if engine not in found:
                found.append(engine)
        return found

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def rowcount(result: Any) -> int:
    """Rows touched by an UPDATE or DELETE (``CursorResult.rowcount``)."""
    return int(result.rowcount)
