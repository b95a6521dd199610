"""Analytics over real orders, as JSON and CSV."""

import csv
import io

import pytest

from mcbackend.adapters.tasks import InProcessTasks
from tests.e2e.orders_helpers import confirmed_sofa


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


def test_option_popularity_and_never_chosen(api):
    order = confirmed_sofa(api)
    body = api.get(f"/api/v1/analytics/options?product_id={order['product_id']}").get_json()
    assert body["lines"] == 1
    chosen = {(v["attribute"], v["value"]): v["units"] for v in body["values"]}
    assert chosen[("layout", "l_shape")] == 1
    assert ("layout", "u_shape") in {(v["attribute"], v["value"]) for v in body["never_chosen"]}
    assert 0 <= body["changed_defaults_share"] <= 1
    response = api.get(f"/api/v1/analytics/options?product_id={order['product_id']}&format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {"attribute", "value", "label", "units"} <= set(rows[0])


def test_delivery_revenue_proofs_and_utilization(api):
    order = confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
    util = api.get(f"/api/v1/analytics/utilization?plant_id={plant}").get_json()
    busy = [r for r in util["resources"] if r["busy_minutes"]]
    assert busy and all(0 < r["utilization"] <= 1 for r in busy)
    for step in ("start-production", "ready", "deliver"):
        api.post(f"/api/v1/orders/{order['id']}/{step}", json={})
    delivery = api.get("/api/v1/analytics/delivery").get_json()
    assert delivery["delivered"] == 1 and delivery["on_time_rate"] == 1.0
    revenue = api.get("/api/v1/analytics/revenue").get_json()
    assert revenue["by_mode"] == [{"mode": "pre", "currency": "EUR", "amount": order["total"]}]
    assert api.get("/api/v1/analytics/proof-rounds").get_json()["co_orders"] == 0
    assert api.get("/api/v1/analytics/revenue?format=xml").status_code == 400
    assert api.get("/api/v1/analytics/options").status_code == 400
