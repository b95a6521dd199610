"""A small per-process cache whose entries are each valid for one version of what they were
made from, and for a few seconds at most.

Tracking documents: the caller reads the order's current version on every request (a cheap
indexed query that also checks the token), so a write that bumps it is never served stale;
what the version does not cover (say, a new production plan) is at most ``ttl_s`` old.
Tracking tokens just resolved: the "version" is the count of order writes this process has
committed (adapters/order_writes.py), so the process's own writes void every entry.
API keys: the "version" is the presented secret's hash, so only the secret that was checked
against the database hits. Bounded: the least recently used entry goes first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    def __init__(
        self, max_entries: int, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, V]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process's cache

    def get(self, key: Hashable, version: Hashable) -> V | None:
        """The value stored for ``key`` at ``version``, unless it is older than the TTL."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_version, stored_at, value = entry
            if stored_version != version or self._clock() - stored_at >= self.ttl_s:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, version: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = (version, self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)
