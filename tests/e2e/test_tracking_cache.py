"""The tracking view is served from a per-process cache: writes and token changes still show
at once."""

from tests.e2e.orders_helpers import confirmed_sofa


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
