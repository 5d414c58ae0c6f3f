"""Time-sortable 64-bit ids, generated without a central counter.

Layout, like Mastodon's snowflakes: the upper 48 bits are milliseconds since the Unix
epoch, the lower 16 bits a per-process sequence seeded at random. Ids from two processes in
the same millisecond can only collide if their sequences meet, which the random seed and the
per-millisecond increment make vanishingly rare; the database's primary key is the backstop.
Ids travel as strings in JSON because JavaScript numbers lose precision past 2**53.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

_SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << _SEQUENCE_BITS) - 1


class IdGenerator:
    """Hands out increasing ids; safe across threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = int.from_bytes(os.urandom(2), "big")

    def next_id(self, at: datetime | None = None) -> int:
        """Return a new id; ``at`` back-dates it (used by the demo seed and imports)."""
        if at is not None:
            ms = int(at.timestamp() * 1000)
            return (ms << _SEQUENCE_BITS) | int.from_bytes(os.urandom(2), "big")
        with self._lock:
            ms = int(time.time() * 1000)
            if ms <= self._last_ms:
                # Same millisecond (or a clock step back): keep increasing within the last one.
                ms = self._last_ms
                self._seq = (self._seq + 1) & _SEQUENCE_MASK
                if self._seq == 0:
                    ms += 1
            else:
                self._seq = int.from_bytes(os.urandom(1), "big")
            self._last_ms = ms
            return (ms << _SEQUENCE_BITS) | self._seq


_generator = IdGenerator()


def new_id(at: datetime | None = None) -> int:
    """A fresh time-sortable id."""
    return _generator.next_id(at)


def id_floor(at: datetime) -> int:
    """The smallest id that could have been made at ``at``: for time-range queries."""
    return int(at.timestamp() * 1000) << _SEQUENCE_BITS


def id_time(value: int) -> datetime:
    """When an id was made."""
    return datetime.fromtimestamp((value >> _SEQUENCE_BITS) / 1000, tz=UTC)
