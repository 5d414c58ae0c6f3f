"""A bounded in-process map for values derived from database rows.

Keys must change whenever what the value was derived from changes (a row itself, or an
id with the row's edit time), so an entry is never stale, only unused; each app process
keeps its own and nothing needs invalidating across processes.

When full, the least recently used entry goes, one per new entry. (It used to start
again empty: clearing 50,000 statuses held the interpreter for about 20 ms, and every
page after it missed at once, which showed as isolated latency spikes under load.)
Worker threads share it; each step is one call on an ``OrderedDict``, and an entry that
another thread evicts in between is simply a miss.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class Memo:
    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._values: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._values.get(key)
        if value is not None:
            try:  # noqa: SIM105 - a try costs less than contextlib.suppress on this hot path
                self._values.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: still a valid value
                pass
        return value

    def put(self, key: Any, value: Any) -> None:
        self._values[key] = value
        while len(self._values) > self.size:
            try:
                self._values.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break

    def __len__(self) -> int:
        return len(self._values)
