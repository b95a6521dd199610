"""A small per-process cache of rendered documents, each valid for one version of the row it
was rendered from and for a few seconds at most.

The caller still reads the row's current version on every request (a cheap indexed query
that also checks access), so a write that bumps the version is never served stale; what the
version does not cover (say, a new production plan) is at most ``ttl_s`` old. Bounded: the
least recently used entry goes first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class DocumentCache:
    def __init__(
        self, max_entries: int, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[int, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process's cache

    def get(self, key: Hashable, version: int) -> bytes | None:
        """The document stored for ``key`` at ``version``, unless it is older than the TTL."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_version, stored_at, document = entry
            if stored_version != version or self._clock() - stored_at >= self.ttl_s:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return document

    def put(self, key: Hashable, version: int, document: bytes) -> None:
        with self._lock:
            self._entries[key] = (version, self._clock(), document)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
