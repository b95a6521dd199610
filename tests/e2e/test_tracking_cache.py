"""The tracking view is served from a per-process cache: writes and token changes made by the
process show at once, those of other processes within TRACKED_TOKEN_TTL_S."""

from sqlalchemy import update

from mcbackend.adapters import orm
from mcbackend.adapters.versioned_cache import VersionedCache
from mcbackend.api.tracking import TRACKED_TOKEN_TTL_S
from tests.e2e.orders_helpers import confirmed_sofa


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_write_to_the_order_is_not_hidden_by_the_cache(api, app):
    order = confirmed_sofa(api)
    customer = api.with_key(None)
    path = f"/api/v1/track/{order['tracking_token']}"
    first = customer.get(path).get_json()
    assert customer.get(path).get_json() == first  # the second read is a cache hit
    assert app.extensions["mcbackend.tracking_cache"].get(order["id"], first["version"])
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "moved"})
    assert cancelled.status_code == 200, cancelled.get_json()
    after = customer.get(path).get_json()
    assert after["status"] == "cancelled" and after["version"] > first["version"]
    assert [e["type"] for e in after["timeline"]][-1] == "cancelled"


def test_a_cached_order_is_not_served_to_a_rotated_or_revoked_token(api):
    order = confirmed_sofa(api)
    customer = api.with_key(None)
    old = order["tracking_token"]
    assert customer.get(f"/api/v1/track/{old}").status_code == 200  # now cached
    new = api.post(f"/api/v1/orders/{order['id']}/tracking-token").get_json()["tracking_token"]
    assert customer.get(f"/api/v1/track/{old}").status_code == 404
    assert customer.get(f"/api/v1/track/{new}").status_code == 200
    api.delete(f"/api/v1/orders/{order['id']}/tracking-token")
    assert customer.get(f"/api/v1/track/{new}").status_code == 404


def test_a_token_revoked_by_another_process_is_refused_after_the_bound(api, app):
    order = confirmed_sofa(api)
    clock = FakeClock()
    app.extensions["mcbackend.tracked_tokens"] = VersionedCache(16, TRACKED_TOKEN_TTL_S, clock)
    customer = api.with_key(None)
    path = f"/api/v1/track/{order['tracking_token']}"
    assert customer.get(path).status_code == 200  # now answered from memory
    # Another process revokes the link: a write this process's ORM never sees.
    with app.extensions["mcbackend.db"].engine.begin() as conn:
        conn.execute(update(orm.Order).where(orm.Order.id == order["id"]).values(
            tracking_token_hash=None, version=orm.Order.version + 1))
    assert customer.get(path).status_code == 200  # within the bound: still served
    clock.now += TRACKED_TOKEN_TTL_S
    assert customer.get(path).status_code == 404
