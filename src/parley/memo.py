"""A bounded in-process map for values derived from database rows.

Keys must change whenever what the value was derived from changes (a row itself, or an
id with the row's edit time), so an entry is never stale, only unused; each app process
keeps its own and nothing needs invalidating across processes. When full it starts
again empty: simple, O(1), and a full memo refills from a few pages of reads.
"""

from __future__ import annotations

from typing import Any


class Memo:
    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._values: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self._values.get(key)

    def put(self, key: Any, value: Any) -> None:
        if len(self._values) >= self.size:
            self._values.clear()
        self._values[key] = value
