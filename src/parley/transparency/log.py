"""The transparency log: every decision's public statement of reasons, appended to an
RFC 6962 Merkle tree (``parley.transparency.merkle``) in the decision's own transaction.

**Entries.** Leaf i is the canonical JSON (below) of the object::

    {"decision_id": "<id, a string>",
     "logged_at": "<RFC 3339 UTC, milliseconds: 2026-11-24T16:46:11.123Z>",
     "previous_tree_size": i,
     "statement_of_reasons": {<the public statement of reasons>},
     "version": 1}

Canonical JSON: keys sorted (by code point), no whitespace (``separators=(",", ":")``),
non-ASCII characters as themselves (``ensure_ascii=False``), encoded in UTF-8; no floats.
The exact bytes are stored (``leaf_input``) and served, so a verifier hashes what was
hashed, and can also check that re-encoding them gives the same bytes.
``previous_tree_size`` is the entry's own index: a dropped or moved entry shows.

**Storage.** ``transparency_entries`` holds each leaf (index, decision, bytes, leaf hash);
``transparency_nodes`` holds the hash of every *perfect* subtree above the leaves, keyed
(level, index): appending leaf i completes the node at each level l where 2^l divides
i + 1, so it writes the entry and, on average, one node (n leaves: n - popcount(n) nodes).
A root or a proof is a handful of ranges (``merkle.inclusion_ranges`` and friends), each
made of O(log n) perfect subtrees, fetched with at most two indexed queries; nothing
scans. Stored hashes never change, so a reader needs no lock: the tree of any size up to
the one it read is complete.

**Appends** are serialised: on SQLite the write transaction (``BEGIN IMMEDIATE``) already
is; on PostgreSQL a transaction-scoped advisory lock is taken before the size is read.
The entry's foreign key to its decision, and ``decide``/``reverse`` appending in their
own transaction, mean neither can exist without the other.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, text
from sqlalchemy.orm import Session

from parley.errors import NotFound, ParleyError
from parley.settings import Settings
from parley.store.raw import Statement, rows
from parley.store.tables import Decision, TransparencyEntry, TransparencyNode, utcnow
from parley.transparency import keys, merkle
from parley.transparency.statements import public_statement

ENTRY_VERSION = 1
MAX_ENTRIES = 1000  # per get-entries call, as CT logs cap theirs
# pg_advisory_xact_lock key of the append lock: the bytes of "parleylg".
LOCK_KEY = 0x7061726C65796C67

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Built once: Core statements on the tables (an ORM insert costs several times more).
_INSERT_ENTRY = insert(cast(Table, TransparencyEntry.__table__))
_INSERT_NODE = insert(cast(Table, TransparencyNode.__table__))
_LAST_INDEX = Statement(select(func.max(TransparencyEntry.leaf_index)))
_BY_HASH = Statement(select(TransparencyEntry.leaf_index).where(TransparencyEntry.leaf_hash == bindparam("leaf_hash")))


class BadRequest(ParleyError):
    """A malformed or impossible request to the log (RFC 6962 answers these with 400)."""

    status = 400


class CorruptLog(Exception):
    """A stored hash the tree needs is missing: the database was changed by hand."""


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp: int  # milliseconds since the epoch
    root_hash: bytes
    signature: bytes  # DigitallySigned bytes, ``keys.sign_tree_head``


# --- entries ------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def rfc3339_ms(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def entry_bytes(*, decision_id: int, statement: Mapping[str, Any], logged_at: datetime, previous_tree_size: int) -> bytes:
    """The exact bytes of a leaf (layout in the module's docstring)."""
    return canonical_json(
        {
            "decision_id": str(decision_id),
            "logged_at": rfc3339_ms(logged_at),
            "previous_tree_size": previous_tree_size,
            "statement_of_reasons": statement,
            "version": ENTRY_VERSION,
        }
    )


# --- appending ----------------------------------------------------------------------------


def append(session: Session, settings: Settings, decision: Decision, *, now: datetime | None = None) -> int:
    """Append ``decision``'s entry in the caller's transaction; returns its leaf index.
    The decision must be new: each decision has exactly one entry. The entry publishes
    the public statement of reasons, without personal data."""
    return append_entry(session, decision.id, public_statement(session, decision, settings), now=now)


def append_entry(session: Session, decision_id: int, statement: Mapping[str, Any], *, now: datetime | None = None) -> int:
    """Append an entry for ``decision_id`` with ``statement``; returns its leaf index."""
    session.flush()  # the decision's row goes first: the entry refers to it
    if session.get_bind().dialect.name == "postgresql":
        # Held to the end of the transaction: one appender at a time reads the size.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    index = tree_size(session)
    logged_at = now or utcnow()
    data = entry_bytes(decision_id=decision_id, statement=statement, logged_at=logged_at, previous_tree_size=index)
    leaf = merkle.leaf_hash(data)
    completed = _completed_nodes(session, index, leaf)
    session.execute(
        _INSERT_ENTRY,
        {"leaf_index": index, "decision_id": decision_id, "leaf_input": data, "leaf_hash": leaf, "created_at": logged_at},
    )
    if completed:
        session.execute(_INSERT_NODE, [{"level": lv, "node_index": i, "hash": h} for lv, i, h in completed])
    return index


def _completed_nodes(session: Session, index: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees leaf ``index`` completes, lowest first, with their hashes.

    At level l the completed node is (l, (index + 1) / 2^l - 1); its right child is the one
    completed just below (or the leaf), its left child was stored earlier."""
    count = index + 1
    levels = (count & -count).bit_length() - 1  # the trailing zero bits of index + 1
    lefts = [(lv - 1, (count >> (lv - 1)) - 2) for lv in range(1, levels + 1)]
    stored = _nodes(session, lefts)
    out: list[tuple[int, int, bytes]] = []
    right = leaf
    for lv, left in enumerate(lefts, start=1):
        right = merkle.node_hash(stored[left], right)
        out.append((lv, (count >> lv) - 1, right))
    return out


# --- reading ------------------------------------------------------------------------------


def tree_size(session: Session) -> int:
    last = rows(session, _LAST_INDEX)[0][0]
    return 0 if last is None else int(last) + 1


def entry_of(session: Session, decision_id: int) -> tuple[int, bytes] | None:
    """The leaf index and exact bytes of ``decision_id``'s entry, None when it has none."""
    found = session.execute(
        select(TransparencyEntry.leaf_index, TransparencyEntry.leaf_input).where(TransparencyEntry.decision_id == decision_id)
    ).first()
    return None if found is None else (int(found[0]), bytes(found[1]))


_LEAF_HASHES = Statement(
    select(TransparencyEntry.leaf_index, TransparencyEntry.leaf_hash).where(
        TransparencyEntry.leaf_index.in_(bindparam("ids", expanding=True))
    )
)


@functools.lru_cache(maxsize=128)
def _node_hashes(count: int) -> Statement:
    """The statement reading ``count`` nodes: one primary-key lookup each (SQLite scans
    the table for a row-value IN, so not that)."""
    wanted = (
        and_(TransparencyNode.level == bindparam(f"l{k}"), TransparencyNode.node_index == bindparam(f"i{k}"))
        for k in range(count)
    )
    return Statement(select(TransparencyNode.level, TransparencyNode.node_index, TransparencyNode.hash).where(or_(*wanted)))


def _nodes(session: Session, wanted: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Stored hashes of perfect subtrees: leaves from the entries, the rest from the nodes."""
    wanted = set(wanted)
    leaves = sorted(i for lv, i in wanted if lv == 0)
    inner = sorted(k for k in wanted if k[0] > 0)
    found: dict[merkle.NodeKey, bytes] = {}
    if leaves:
        found.update(((0, int(i)), bytes(h)) for i, h in rows(session, _LEAF_HASHES, {"ids": leaves}))
    if inner:
        params = {f"{name}{k}": value for k, key in enumerate(inner) for name, value in zip("li", key, strict=True)}
        found.update(((int(lv), int(i)), bytes(h)) for lv, i, h in rows(session, _node_hashes(len(inner)), params))
    missing = wanted - found.keys()
    if missing:
        raise CorruptLog(f"the log has no stored hash for the subtrees (level, index) {sorted(missing)[:5]}")
    return found


def _hashes(session: Session, ranges: list[merkle.Range]) -> list[bytes]:
    """MTH(D[a:b]) of each range, from the stored perfect subtrees."""
    stored = _nodes(session, merkle.needed_nodes(ranges))
    return [merkle.range_hash(a, b, lambda lv, i: stored[(lv, i)]) for a, b in ranges]


def _check_size(session: Session, size: int, name: str = "tree_size") -> None:
    current = tree_size(session)
    if not 0 <= size <= current:
        raise BadRequest(f"{name} must be from 0 to the log's size, {current}")


def root(session: Session, size: int) -> bytes:
    """The root hash of the tree of the first ``size`` entries."""
    _check_size(session, size)
    return _root(session, size)


def _root(session: Session, size: int) -> bytes:
    """``root`` of a size already known to be in the log."""
    return _hashes(session, [(0, size)])[0] if size else merkle.EMPTY_ROOT


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` entries."""
    _check_size(session, size)
    if not 0 <= index < size:
        raise BadRequest(f"leaf {index} is not in the tree of {size} entries")
    return _hashes(session, merkle.inclusion_ranges(index, size))


def proof_by_hash(session: Session, leaf: bytes, size: int) -> tuple[int, list[bytes]]:
    """The index and audit path of the entry whose leaf hash is ``leaf``."""
    _check_size(session, size)
    # Every entry with this hash (one, unless two entries are the same bytes), through the
    # hash's index: with ORDER BY and LIMIT, PostgreSQL may walk the primary key instead.
    found = [int(r[0]) for r in rows(session, _BY_HASH, {"leaf_hash": leaf}) if r[0] < size]
    if not found:
        raise NotFound(f"No entry with this leaf hash in the tree of {size} entries")
    return min(found), inclusion_proof(session, min(found), size)


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """The proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""
    _check_size(session, second, "second")
    if not 0 <= first <= second:
        raise BadRequest("first must be from 0 to second")
    return _hashes(session, merkle.consistency_ranges(first, second))


def entries(session: Session, start: int, end: int) -> list[bytes]:
    """The exact bytes of entries ``start`` to ``end`` (both included), at most
    ``MAX_ENTRIES``; fewer when the log ends before ``end``."""
    current = tree_size(session)
    if start < 0 or end < start:
        raise BadRequest("start and end must be 0 or more, and start not after end")
    if start >= current:
        raise BadRequest(f"start must be below the log's size, {current}")
    end = min(end, current - 1, start + MAX_ENTRIES - 1)
    found = session.scalars(
        select(TransparencyEntry.leaf_input)
        .where(TransparencyEntry.leaf_index >= start, TransparencyEntry.leaf_index <= end)
        .order_by(TransparencyEntry.leaf_index)
    )
    return [bytes(data) for data in found]


def tree_head(session: Session, settings: Settings, *, now: datetime | None = None) -> TreeHead:
    """The current tree head, signed now with the instance's key."""
    size = tree_size(session)
    root_hash = _root(session, size)
    timestamp = ((now or utcnow()) - _EPOCH) // timedelta(milliseconds=1)
    key = keys.load_or_create(settings.data_dir)
    return TreeHead(size, timestamp, root_hash, keys.sign_tree_head(key, timestamp, size, root_hash))
