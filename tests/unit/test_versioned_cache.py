"""The per-process versioned cache: version, age and size bound its entries."""

from mcbackend.adapters.versioned_cache import VersionedCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_served_while_the_version_is_unchanged_and_young():
    clock = FakeClock()
    cache = VersionedCache(max_entries=4, ttl_s=5, clock=clock)
    cache.put(7, 3, b"v3")
    clock.now += 4.9
    assert cache.get(7, 3) == b"v3"


def test_a_new_version_is_a_miss():
    cache = VersionedCache(max_entries=4, ttl_s=5, clock=FakeClock())
    cache.put(7, 3, b"v3")
    assert cache.get(7, 4) is None
    assert cache.get(7, 3) is None  # the stale entry was dropped


def test_an_entry_older_than_the_ttl_is_a_miss():
    clock = FakeClock()
    cache = VersionedCache(max_entries=4, ttl_s=5, clock=clock)
    cache.put(7, 3, b"v3")
    clock.now += 5
    assert cache.get(7, 3) is None


def test_the_least_recently_used_entry_goes_first():
    cache = VersionedCache(max_entries=2, ttl_s=5, clock=FakeClock())
    cache.put(1, 1, b"one")
    cache.put(2, 1, b"two")
    assert cache.get(1, 1) == b"one"  # 2 is now the least recently used
    cache.put(3, 1, b"three")
    assert cache.get(2, 1) is None
    assert cache.get(1, 1) == b"one" and cache.get(3, 1) == b"three"


def test_a_forgotten_entry_is_a_miss():
    cache = VersionedCache(max_entries=4, ttl_s=5, clock=FakeClock())
    cache.put("prefix", "hash", "principal")
    cache.forget("prefix")
    cache.forget("unknown")
    assert cache.get("prefix", "hash") is None
