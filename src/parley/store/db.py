"""Engines and units of work.

Parley's domain is synchronous SQLAlchemy: the HTTP edge is async and hops into a worker
thread once per request (see ``parley.api.runner``). Plain URLs are accepted and the driver
is chosen here: ``sqlite:///path`` uses the standard library's sqlite3 (faster per query
than aiosqlite, which pays a thread hop on every statement), ``postgresql://`` uses psycopg 3.

SQLite runs in WAL mode with foreign keys on. Write units of work start with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of one failing when it
upgrades a read lock; read units start a plain deferred transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Map the plain URLs operators write to the drivers Parley uses."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _make_engine(url: str, *, immediate: bool = False) -> Engine:
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the sqlite3 module, open transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
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

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.engine = _make_engine(url)
        self.write_engine = _make_engine(url, immediate=True) if self.sqlite else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
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

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def rowcount(result: Any) -> int:
    """Rows touched by an UPDATE or DELETE (``CursorResult.rowcount``)."""
    return int(result.rowcount)
