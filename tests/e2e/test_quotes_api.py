"""Prices and stored quotes through HTTP."""

import pytest


@pytest.fixture
def sofa(api) -> int:
    return next(
        p["id"] for p in api.get("/api/v1/products").get_json() if p["sku"] == "SOFA-SECTIONAL"
    )


@pytest.fixture
def sofa_configuration(api, sofa) -> dict:
    body = {"configuration": {"layout": "l_shape", "chaise_left": True}}
    completed = api.post(f"/api/v1/products/{sofa}/configurator/complete", json=body).get_json()
    assert completed["completed"]
    return completed["configuration"]


def test_price_is_deterministic_and_adds_up(api, sofa, sofa_configuration):
    body = {"configuration": sofa_configuration, "quantity": 2}
    first = api.post(f"/api/v1/products/{sofa}/configurator/price", json=body)
    second = api.post(f"/api/v1/products/{sofa}/configurator/price", json=body)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == second.get_json()
    quote = first.get_json()
    assert quote["total"] == sum(line["amount"] for line in quote["lines"])
    assert sum(i["amount"] for i in quote["payment_plan"]) == quote["total"]
    assert {line["code"] for line in quote["lines"]} >= {"base"}
    assert quote["price_list_version"] == 1 and quote["currency"] == "EUR"


def test_stored_quote_keeps_its_price_after_a_catalog_change(api, sofa, sofa_configuration):
    created = api.post(
        "/api/v1/quotes", json={"product_id": sofa, "configuration": sofa_configuration}
    )
    assert created.status_code == 201, created.get_json()
    quote = created.get_json()
    definition = api.get(f"/api/v1/products/{sofa}").get_json()["definition"]
    definition["base_price"] += 50000
    assert (
        api.post(f"/api/v1/products/{sofa}/versions", json={"definition": definition}).status_code
        == 201
    )
    again = api.get(f"/api/v1/quotes/{quote['id']}").get_json()
    assert again["total"] == quote["total"] and again["price_list_version"] == 1
    repriced = api.post(
        f"/api/v1/products/{sofa}/configurator/price", json={"configuration": sofa_configuration}
    ).get_json()
    assert repriced["price_list_version"] == 2
    assert repriced["total"] > quote["total"]
    listed = api.get(f"/api/v1/quotes?product_id={sofa}").get_json()
    assert [q["id"] for q in listed] == [quote["id"]]


def test_invalid_configuration_is_422_with_every_violation(api, sofa):
    response = api.post(
        "/api/v1/quotes",
        json={"product_id": sofa, "configuration": {"chaise_left": True, "chaise_right": True}},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_configuration"
    codes = {e["code"] for e in body["errors"]}
    assert "missing_required" in codes and len(body["errors"]) >= 3


def test_impossible_rush_and_unoffered_mode(api, sofa, sofa_configuration):
    rush = api.post(
        f"/api/v1/products/{sofa}/configurator/price",
        json={"configuration": sofa_configuration, "requested_date": "2020-01-01"},
    )
    assert rush.status_code == 422
    mode = api.post(
        f"/api/v1/products/{sofa}/configurator/price",
        json={"configuration": sofa_configuration, "mode": "bespoke"},
    )
    assert mode.status_code == 422
    assert mode.get_json()["errors"][0]["code"] == "mode_not_offered"


def test_quote_for_unknown_product_is_404(api):
    response = api.post("/api/v1/quotes", json={"product_id": 424242, "configuration": {}})
    assert response.status_code == 404


def test_tenant_payment_plan_overrides_the_products(api, sofa, sofa_configuration):
    plan = {"deposit_percent": 40, "milestones": [{"event": "shipped", "percent": 35}]}
    assert api.patch("/api/v1/tenant", json={"payment_plan": plan}).status_code == 200
    quote = api.post(
        f"/api/v1/products/{sofa}/configurator/price", json={"configuration": sofa_configuration}
    ).get_json()
    events = [(i["event"], i["percent"]) for i in quote["payment_plan"]]
    assert events == [("deposit", "40"), ("shipped", "35"), ("final", "25")]
    assert sum(i["amount"] for i in quote["payment_plan"]) == quote["total"]
    bad = api.patch(
        "/api/v1/tenant",
        json={
            "payment_plan": {
                "deposit_percent": 90,
                "milestones": [{"event": "shipped", "percent": 30}],
            }
        },
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["code"] == "invalid_plan"
    assert (
        api.patch("/api/v1/tenant", json={"payment_plan": None}).get_json()["payment_plan"] is None
    )
