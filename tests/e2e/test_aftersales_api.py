"""Feedback, tickets and reorders after delivery."""

import copy

from tests.e2e.orders_helpers import confirmed_sofa


def _deliver(api, order):
    for step in ("start-production", "ready", "deliver"):
        assert api.post(f"/api/v1/orders/{order['id']}/{step}", json={}).status_code == 200


def test_feedback_only_after_delivery_and_once(api):
    order = confirmed_sofa(api)
    customer = api.with_key(None)
    url = f"/api/v1/track/{order['tracking_token']}/feedback"
    early = customer.post(url, json={"rating": 5})
    assert early.status_code == 409 and early.get_json()["code"] == "not_delivered"
    _deliver(api, order)
    bad = customer.post(url, json={"rating": 9})
    assert bad.status_code == 400
    given = customer.post(url, json={"rating": 4, "comment": "Lovely, legs a bit wobbly"})
    assert given.status_code == 201, given.get_json()
    assert customer.post(url, json={"rating": 5}).status_code == 409
    stored = api.get(f"/api/v1/orders/{order['id']}/feedback").get_json()
    assert [f["rating"] for f in stored] == [4]
    types = [e["type"] for e in api.get(f"/api/v1/orders/{order['id']}/events").get_json()]
    assert "feedback_received" in types


def test_tickets_on_a_delivered_unit(api):
    order = confirmed_sofa(api)
    _deliver(api, order)
    unit = api.get(f"/api/v1/units?order_id={order['id']}").get_json()[0]
    ticket = api.post(f"/api/v1/units/{unit['id']}/tickets",
                      json={"kind": "adjustment", "description": "Tighten the legs"})
    assert ticket.status_code == 201, ticket.get_json()
    tid = ticket.get_json()["id"]
    done = api.patch(f"/api/v1/tickets/{tid}",
                     json={"status": "resolved", "resolution": "Legs re-fitted on site"})
    assert done.get_json()["status"] == "resolved"
    again = api.patch(f"/api/v1/tickets/{tid}", json={"status": "open"})
    assert again.status_code == 409
    assert [t["id"] for t in api.get("/api/v1/tickets?status=resolved").get_json()] == [tid]
    unknown_photo = api.post(f"/api/v1/units/{unit['id']}/tickets", json={
        "kind": "complaint", "description": "Stain", "photos": [99999]})
    assert unknown_photo.status_code == 422


def test_reorder_check_explains_catalog_changes(api):
    order = confirmed_sofa(api)
    product_id = order["product_id"]
    same = api.post(f"/api/v1/orders/{order['id']}/reorder-check").get_json()
    assert same["lines"][0]["reorderable"] is True
    definition = copy.deepcopy(api.get(f"/api/v1/products/{product_id}").get_json()["definition"])
    width = next(a for a in definition["attributes"] if a["code"] == "width")
    width["min"] = width["default"] = order["configuration"]["width"] + 20  # sofas got wider
    for preset in definition.get("presets", []):  # presets must stay valid
        if preset.get("values", {}).get("width", width["min"]) < width["min"]:
            preset["values"]["width"] = width["min"]
    published = api.post(f"/api/v1/products/{product_id}/versions", json={"definition": definition})
    assert published.status_code == 201, published.get_json()
    check = api.post(f"/api/v1/orders/{order['id']}/reorder-check").get_json()
    line = check["lines"][0]
    assert line["reorderable"] is False and line["current_version"] == 2
    assert any(d["code"] == "out_of_range" and d["attributes"] == ["width"]
               for d in line["differences"])
