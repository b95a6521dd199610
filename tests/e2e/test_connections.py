"""How many pooled connections a request takes: authentication and the view share one."""

from sqlalchemy import event

from mcbackend.domain.auth import split_api_key


def _checkouts(app) -> list[object]:
    seen: list[object] = []
    event.listen(app.extensions["mcbackend.db"].engine, "checkout", lambda *a: seen.append(a))
    return seen


def test_an_authenticated_request_checks_out_one_connection(api, app, seeded_db):
    assert api.get("/api/v1/products").status_code == 200  # records the key's last use
    app.extensions["mcbackend.key_cache"].forget(split_api_key(seeded_db.admin_key)[0])
    checkouts = _checkouts(app)
    assert api.get("/api/v1/products").status_code == 200  # the key is looked up again
    assert len(checkouts) == 1


def test_a_refused_request_returns_the_connection_authentication_took(api, app, seeded_db):
    shopfloor = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"})
    assert shopfloor.status_code == 201, shopfloor.get_json()
    pool = app.extensions["mcbackend.db"].engine.pool
    refused = api.with_key(shopfloor.get_json()["key"]).post("/api/v1/orders", json={})
    assert refused.status_code == 403
    assert pool.checkedout() == 0
