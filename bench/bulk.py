"""Fast bulk loading into Parley's tables for the synthetic benchmark community.

SQLite: the standard library's ``executemany`` on a raw connection, in large transactions.
PostgreSQL: ``COPY ... FROM STDIN`` through psycopg 3 (``copy.write_row``).

Values are passed as tuples in the column order given. Datetimes must go through
``Bulk.ts`` (SQLite stores them as text in SQLAlchemy's format) and booleans through
``Bulk.b``; every other value is an int or a str.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from parley.store.tables import Account


class Bulk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # The processor of a real column: the exact text format the app writes and compares.
        self._dt = Account.__table__.c.created_at.type._cached_bind_processor(engine.dialect) if self.sqlite else None
        self.rows_written = 0
        self.seconds = 0.0

    def ts(self, value: datetime | None) -> Any:
        """A timezone-aware UTC datetime as the backend stores it."""
        if value is None:
            return None
        if self._dt is not None:
            return self._dt(value)
        return value

    def b(self, value: bool) -> Any:
        return int(value) if self.sqlite else value

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], *, chunk: int = 50_000) -> int:
        """Insert ``rows`` into ``table``; returns the number of rows written."""
        started = time.perf_counter()
        n = 0
        raw = self.engine.raw_connection()
        try:
            if self.sqlite:
                cur = raw.cursor()
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-400000")
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                buf: list[tuple[Any, ...]] = []
                cur.execute("BEGIN")
                for row in rows:
                    buf.append(row)
                    if len(buf) >= chunk:
                        cur.executemany(sql, buf)
                        n += len(buf)
                        buf.clear()
                if buf:
                    cur.executemany(sql, buf)
                    n += len(buf)
                cur.execute("COMMIT")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()
            else:
                conn = raw.driver_connection
                assert conn is not None
                with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                conn.commit()
        finally:
            raw.close()
        self.rows_written += n
        self.seconds += time.perf_counter() - started
        return n

    def execute(self, sql: str, params: Sequence[tuple[Any, ...]] | None = None) -> None:
        """Run one statement (or an executemany) in its own transaction, with ``?``-style
        placeholders on SQLite and ``%s`` on PostgreSQL (write them as ``?``)."""
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if not self.sqlite:
                sql = sql.replace("?", "%s")
            if self.sqlite:
                cur.execute("BEGIN")
            if params is None:
                cur.execute(sql)
            else:
                cur.executemany(sql, params)
            if self.sqlite:
                cur.execute("COMMIT")
            else:
                raw.commit()
            cur.close()
        finally:
            raw.close()

    def analyze(self) -> None:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("ANALYZE")
            if not self.sqlite:
                raw.commit()
            cur.close()
        finally:
            raw.close()
