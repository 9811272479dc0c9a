"""Encoded deal lists, reused while nothing they show has changed.

The key holds the organization's `deals_version`, which every change to what a deal list shows
bumps in its own transaction (deal writes, an owner's renamed profile). A request reads the
version with its credentials, so a stale entry is simply never asked for again; no process has to
tell another to forget anything. Entries only ever hold data at least as new as their version.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock


class ListCache:
    """A small LRU of encoded responses, bounded by entry count and by total bytes."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            self._bytes -= len(previous) if previous is not None else 0
            self._entries[key] = body
            self._bytes += len(body)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _key, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes
