"""A per-process cache of public reads, keyed by article version (shared-nothing: no coordination
between processes or hosts is needed).

Database triggers bump `article.version` in the transaction of every change that can alter what a thread
shows (migration 6c073b63007d), so an entry whose key holds the version read at the start of a request is
never stale: a change committed by any process on any host moves the version, and the next request reads
the new version and misses. Old versions are never asked for again and fall out of the LRU.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class ReadCache:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> Any:
        if self.max_entries <= 0:
            return value
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
