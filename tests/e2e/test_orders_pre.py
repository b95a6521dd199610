"""Pre-customization orders end to end, with the failure paths."""

from tests.e2e.orders_helpers import (
    completed,
    confirmed_sofa,
    pay_due,
    place,
    product_ids,
)


def test_pre_order_from_placing_to_delivery(api):
    order = confirmed_sofa(api)
    oid = order["id"]
    assert order["status"] == "confirmed"
    assert order["allowed_next"] == ["in_production", "cancelled"]
    jobs = api.get(f"/api/v1/orders/{oid}/jobs").get_json()
    assert len(jobs) == 1 and jobs[0]["status"] == "released"
    assert any(op["cut_off"] for op in jobs[0]["operations"])
    units = api.get(f"/api/v1/units?order_id={oid}").get_json()
    assert len(units) == 1 and units[0]["history"][0]["reason"] == "produced"
    for step, status in [("start-production", "in_production"), ("ready", "ready"),
                         ("ship", "shipped"), ("deliver", "delivered")]:
        response = api.post(f"/api/v1/orders/{oid}/{step}", json={})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
        assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'
    types = [e["type"] for e in api.get(f"/api/v1/orders/{oid}/events").get_json()]
    assert types[:3] == ["order_placed", "payment_received", "confirmed"]
    assert {"released", "shipped", "delivered", "payment_due"} <= set(types)


def test_invalid_configuration_lists_every_violation(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    response = place(api, mode="pre", lines=[
        {"product_id": sofa, "configuration": {"chaise_left": True, "chaise_right": True}}])
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_configuration"
    fields = {e["field"] for e in body["errors"]}
    assert all(f.startswith("lines[0].configuration") for f in fields)
    assert len(body["errors"]) >= 3
    assert api.get("/api/v1/orders").get_json() == []  # nothing was created


def test_confirming_without_the_deposit_is_refused(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {})
    order = place(api, mode="pre", lines=[{"product_id": sofa, "configuration": config}])
    oid = order.get_json()["id"]
    refused = api.post(f"/api/v1/orders/{oid}/confirm", json={})
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "deposit_required"
    assert api.get(f"/api/v1/orders/{oid}/jobs").get_json() == []  # make-to-order
    pay_due(api, oid)
    assert api.post(f"/api/v1/orders/{oid}/confirm", json={}).status_code == 200


def test_illegal_transition_names_the_allowed_ones(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {})
    oid = place(api, mode="pre", lines=[{"product_id": sofa, "configuration": config}]
                ).get_json()["id"]
    response = api.post(f"/api/v1/orders/{oid}/ship", json={})
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "illegal_transition"
    assert body["allowed"] == ["confirmed", "cancelled"]


def test_stale_version_is_409(api):
    order = confirmed_sofa(api)
    stale = order["version"] - 1
    response = api.post(f"/api/v1/orders/{order['id']}/start-production", json={},
                        headers={"If-Match": f'"{stale}"'})
    assert response.status_code == 409 and response.get_json()["code"] == "stale_version"
    fresh = api.post(f"/api/v1/orders/{order['id']}/start-production",
                     json={"version": order["version"]})
    assert fresh.status_code == 200


def test_cancel_before_and_after_production(api):
    order = confirmed_sofa(api)
    oid = order["id"]
    api.post(f"/api/v1/orders/{oid}/start-production", json={})
    refused = api.post(f"/api/v1/orders/{oid}/cancel", json={})
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "cancellation_terms_required"
    done = api.post(f"/api/v1/orders/{oid}/cancel",
                    json={"reason": "customer moved abroad", "cost": 40000})
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    assert done.get_json()["cancellation"]["cost"]["amount"] == 40000
    jobs = api.get(f"/api/v1/orders/{oid}/jobs").get_json()
    assert {j["status"] for j in jobs} == {"superseded"}


def test_idempotent_order_creation(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {})
    headers = {"Idempotency-Key": "order-42"}
    body = {"mode": "pre", "lines": [{"product_id": sofa, "configuration": config}],
            "customer": {"name": "A", "contact": "a@b.c"},
            "delivery_address": {"name": "A", "street": "S", "postal_code": "1",
                                 "city": "C", "country": "DE"}}
    first = api.post("/api/v1/orders", json=body, headers=headers)
    second = api.post("/api/v1/orders", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(api.get("/api/v1/orders").get_json()) == 1


def test_payments_are_checked(api):
    order = confirmed_sofa(api)
    too_much = api.post(f"/api/v1/orders/{order['id']}/payments",
                        json={"amount": order["total"] * 2, "method": "card"})
    assert too_much.status_code == 422
    wrong = api.post(f"/api/v1/orders/{order['id']}/payments",
                     json={"amount": 100, "currency": "USD", "method": "card"})
    assert wrong.status_code == 422
    summary = api.get(f"/api/v1/orders/{order['id']}/payments").get_json()
    assert summary["paid"]["amount"] + summary["balance"]["amount"] == order["total"]
    assert sum(i["amount"]["amount"] for i in summary["installments"]) == order["total"]


def test_bad_order_shapes_are_400(api):
    response = api.post("/api/v1/orders", json={"mode": "sideways", "customer": {"name": ""}})
    assert response.status_code == 400
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"body.mode", "body.customer.name", "body.customer.contact",
            "body.delivery_address"} <= fields


def test_tenant_payment_plan_sets_the_deposit_of_every_new_order(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {})
    line = {"product_id": sofa, "configuration": config}
    before = place(api, mode="pre", lines=[line]).get_json()
    plan = {"deposit_percent": 40, "milestones": [{"event": "shipped", "percent": 35}]}
    assert api.patch("/api/v1/tenant", json={"payment_plan": plan}).status_code == 200
    after = place(api, mode="pre", lines=[line, line]).get_json()
    assert after["total"] == 2 * before["total"]
    assert after["deposit_required"] == round(after["total"] * 0.4)
    assert after["deposit_required"] != round(after["total"] * before["deposit_required"]
                                              / before["total"])
    api.patch("/api/v1/tenant", json={"payment_plan": None})
    again = place(api, mode="pre", lines=[line]).get_json()
    assert again["deposit_required"] == before["deposit_required"]
