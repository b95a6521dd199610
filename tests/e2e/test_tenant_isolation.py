"""A second tenant can neither read nor change the first tenant's data on any endpoint.

The routes are taken from the app's URL map, so a new endpoint is covered without editing
this test: each id in a path is filled with an id that belongs to the demo tenant.
"""

import re

import pytest

from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services import tenants
from mcbackend.services.outbox_dispatch import fan_out
from tests.e2e.orders_helpers import co_order_with_proof
from tests.e2e.sample_data import one_of_everything
from tests.e2e.webhook_helpers import settings


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


@pytest.fixture
def intruder(app, api):
    """A client holding an admin key of a different tenant."""
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory) as uow:
        other = tenants.create_tenant(uow, "other-maker", "Other Maker")
        uow.for_tenant(other.id)
        _, key = tenants.issue_api_key(uow, "other admin", "admin")
        uow.commit()
    return api.with_key(key)


def _tenant_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not rule.arguments:
            continue
        if rule.rule.startswith("/api/v1/track/"):
            continue  # the tracking token itself is the credential (test_orders_modes)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_with_an_id_answers_404_to_another_tenant(app, api, intruder):
    ids = one_of_everything(api)
    before = {
        path: api.get(path).get_json()
        for path in (
            f"/api/v1/products/{ids['product_id']}",
            f"/api/v1/resources/{ids['resource_id']}",
            f"/api/v1/api-keys/{ids['key_id']}",
        )
    }
    checked = 0
    for rule, method in _tenant_routes(app):
        missing = set(rule.arguments) - ids.keys()
        assert not missing, f"teach this test the id for {missing} in {rule.rule}"
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        response = intruder.request(method, path, json={} if method != "GET" else None)
        # 404 (not found for this tenant) or 400 (body rejected before any lookup): never
        # a success, never 403, never the victim's data.
        assert response.status_code in (400, 404), (method, path, response.status_code)
        if method in ("GET", "DELETE"):
            assert response.status_code == 404, (method, path)
        assert "atelier" not in response.get_data(as_text=True).lower()
        checked += 1
    assert checked >= 6
    after = {path: api.get(path).get_json() for path in before}
    assert after == before


def test_valid_writes_on_foreign_ids_are_404(api, intruder):
    ids = one_of_everything(api)
    assert (
        intruder.patch(f"/api/v1/products/{ids['product_id']}", json={"active": False}).status_code
        == 404
    )
    assert (
        intruder.patch(
            f"/api/v1/resources/{ids['resource_id']}", json={"name": "hijacked"}
        ).status_code
        == 404
    )
    assert intruder.delete(f"/api/v1/api-keys/{ids['key_id']}").status_code == 404
    configure = f"/api/v1/products/{ids['product_id']}/configurator/validate"
    assert intruder.post(configure, json={"configuration": {}}).status_code == 404
    plant_payload = {"plant_id": ids["plant_id"], "code": "X-1", "name": "x", "kind": "machine"}
    assert intruder.post("/api/v1/resources", json=plant_payload).status_code == 404
    materials = f"/api/v1/jobs/{ids['job_id']}/materials"
    assert intruder.post(materials, json={"event": "received"}).status_code == 404
    assert api.get(f"/api/v1/products/{ids['product_id']}").get_json()["active"] is True
    assert api.get(f"/api/v1/resources/{ids['resource_id']}").get_json()["name"] != "hijacked"


def _list_routes(app):
    """Every GET route under /api/v1/ that takes no id (lists, the tenant, analytics)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.arguments and "GET" in rule.methods:
            yield rule.rule


def test_lists_only_show_own_rows(app, api, intruder):
    """Every list route, found in the URL map: the victim sees rows, the intruder sees only
    its own (its one API key). Webhook endpoints, events and e-mails included."""
    one_of_everything(api)
    co_order_with_proof(api)  # proof.issued: an e-mail in the notification log
    fan_out(app.extensions["mcbackend.db"].session_factory, settings(), utcnow())
    lists = []
    for path in _list_routes(app):
        own = api.get(path)
        if own.status_code != 200 or not isinstance(own.get_json(), list):
            continue  # the tenant itself, analytics: not lists of rows
        assert own.get_json(), f"make one_of_everything create a row for {path}"
        response = intruder.get(path)
        assert response.status_code == 200, path
        expected = 1 if path == "/api/v1/api-keys" else 0
        assert len(response.get_json()) == expected, (path, response.get_json())
        assert "atelier" not in response.get_data(as_text=True).lower(), path
        lists.append(path)
    assert {"/api/v1/orders", "/api/v1/webhook-endpoints", "/api/v1/events",
            "/api/v1/notifications"} <= set(lists)
    assert intruder.get("/api/v1/tenant").get_json()["slug"] == "other-maker"
