"""Hot read statements run on the driver's own connection.

SQLAlchemy spends 50-200 µs per statement before the database sees it (expanding ``IN``
lists, building result objects, the ORM identity map): a measured 140 µs for a page of 20
posts through Core against 50 µs through sqlite3 itself. The home timeline runs about ten
statements per request, so the hot reads keep SQLAlchemy for *writing* their SQL and run
it here: a statement is compiled once per backend, then executed on the session's DB-API
connection, inside the session's transaction, and gives plain tuples.

What SQLAlchemy would otherwise do, callers do: values come back as the driver gives them
(see ``dt``; SQLite gives booleans as 0 and 1), and datetime parameters are converted here.

A list parameter (``column.in_(bindparam(name, expanding=True))``) is passed as one
value: ``json_each`` on SQLite, an array literal on PostgreSQL; so each statement has one
SQL text whatever the list's length, and the drivers' statement caches hold it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import NullType

_POSTCOMPILE = re.compile(r"(NOT )?IN \(__\[POSTCOMPILE_(\w+)\]\)")


# How each backend takes a list parameter in place of SQLAlchemy's expanding IN.
_LISTS: dict[str, Callable[[str, str], str]] = {
    "sqlite": lambda negate, name: f"{negate}IN (SELECT value FROM json_each(:{name}))",
    "postgresql": lambda negate, name: f"{'<> ALL' if negate else '= ANY'}(%({name})s::bigint[])",
}
_DIALECTS: dict[str, Callable[[], Any]] = {
    "sqlite": lambda: sqlite.dialect(paramstyle="named"),
    "postgresql": postgresql.psycopg.dialect,
}


def _compile(stmt: Any, backend: str) -> tuple[str, dict[str, Any], frozenset[str]]:
    """SQL text for ``backend``, the statement's default parameters, and its list parameters."""
    compiled = stmt.compile(dialect=_DIALECTS[backend]())
    lists: set[str] = set()

    def expand(m: re.Match[str]) -> str:
        lists.add(m.group(2))
        return _LISTS[backend](m.group(1) or "", m.group(2))

    return _POSTCOMPILE.sub(expand, str(compiled)), dict(compiled.params), frozenset(lists)


class Statement:
    """A SQLAlchemy Core statement, compiled once per backend for ``rows``.

    List parameters must be lists of ids (integers).
    """

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        self._compiled: dict[str, tuple[str, dict[str, Any], frozenset[str]]] = {}

    def compiled(self, backend: str) -> tuple[str, dict[str, Any], frozenset[str]]:
        found = self._compiled.get(backend)
        if found is None:
            found = _compile(self.stmt, backend)
            self._compiled[backend] = found
        return found


class InSelect(ColumnElement[bool]):
    """``column IN (select)``, for a select of a few ids. PostgreSQL gets it as
    ``column = ANY(ARRAY(select))``: the select runs once, first, and its ids are looked up
    in the index; as a plain IN (or a join) the planner could scan a whole index instead."""

    type: Any = NullType()  # as a Boolean, SQLite would get "... = 1" and lose the index
    inherit_cache = False

    def __init__(self, column: Any, select: Any) -> None:
        self.column = column
        self.select = select.scalar_subquery()


@compiles(InSelect)
def _in_select(element: InSelect, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.select, **kw)}"


@compiles(InSelect, "postgresql")
def _in_select_array(element: InSelect, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(element.select, **kw)})"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # As SQLAlchemy stores them on SQLite: naive UTC, microseconds, a space.
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _prepare(conn: Any, statement: Statement, params: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    backend = conn.dialect.name
    text, defaults, lists = statement.compiled(backend)
    args = {**defaults, **params} if params else dict(defaults)
    if backend == "sqlite":
        for name, value in args.items():
            if name in lists:
                args[name] = orjson.dumps(list(value)).decode()
            else:
                args[name] = _sqlite_value(value)
    else:
        for name in lists:
            # An array literal: psycopg dumps a Python list element by element in Python
            # (a regular expression each), ten times slower than this for a page of ids.
            args[name] = "{" + ",".join([str(int(v)) for v in args[name]]) + "}"
    if conn.dispatch.before_cursor_execute:
        # Listeners (statement counts in tests, tracing) see these statements too.
        conn.dispatch.before_cursor_execute(conn, None, text, args, None, False)
    return text, args


def pipelined(session: Session) -> bool:
    """Whether independent statements cost one round trip together (PostgreSQL), so
    it pays to ask by subquery what could be asked by a list read first."""
    return session.connection().dialect.name == "postgresql"


def rows(session: Session, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Any]:
    """Run ``statement`` in the session's transaction; the rows as the driver gives them.

    Pending ORM changes are flushed first, as the session would before a query.
    """
    return rows_many(session, [(statement, params)])[0]


def rows_many(
    session: Session, statements: Sequence[tuple[Statement, Mapping[str, Any] | None]]
) -> list[list[Any]]:
    """Run independent statements; on PostgreSQL in one round trip (psycopg's pipeline
    mode), on SQLite one after the other (there is no round trip to save). Pending ORM
    changes are flushed first."""
    session.flush()
    conn = session.connection()
    prepared = [_prepare(conn, statement, params) for statement, params in statements]
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "sqlite" or len(prepared) < 2:
        return [list(driver.execute(text, args).fetchall()) for text, args in prepared]
    # Leaving the block sends one Sync and reads every result: one round trip (fetching
    # inside the block would flush first and cost a second). A BEGIN that opens a write
    # transaction still costs one of its own: psycopg syncs it before the statements.
    cursors = [driver.cursor() for _ in prepared]
    with driver.pipeline():
        for cursor, (text, args) in zip(cursors, prepared, strict=True):
            cursor.execute(text, args)
    return [list(cursor.fetchall()) for cursor in cursors]


def dt(value: Any) -> datetime | None:
    """A datetime column as read by the driver (SQLite gives text), aware in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
