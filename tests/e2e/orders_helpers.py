"""Small builders shared by the order tests."""

import io

CUSTOMER = {"name": "Anna Schmidt", "contact": "anna@example.com", "language": "de"}
ADDRESS = {"name": "Anna Schmidt", "street": "Hauptstr. 1", "postal_code": "04109",
           "city": "Leipzig", "country": "DE"}


def product_ids(api) -> dict[str, int]:
    return {p["sku"]: p["id"] for p in api.get("/api/v1/products?page_size=50").get_json()}


def completed(api, product_id: int, partial: dict) -> dict:
    body = api.post(f"/api/v1/products/{product_id}/configurator/complete",
                    json={"configuration": partial}).get_json()
    assert body["completed"], body
    return body["configuration"]


def place(api, **fields):
    payload = {"customer": CUSTOMER, "delivery_address": ADDRESS, **fields}
    return api.post("/api/v1/orders", json=payload)


def pay_due(api, order_id: int) -> None:
    due = api.get(f"/api/v1/orders/{order_id}/payments").get_json()["due"]["amount"]
    if due:
        response = api.post(f"/api/v1/orders/{order_id}/payments",
                            json={"amount": due, "method": "card"})
        assert response.status_code == 201, response.get_json()


def confirmed_sofa(api, partial: dict | None = None) -> dict:
    """A paid and confirmed sofa order, completed from `partial` (an L-shape with a left
    chaise unless told otherwise)."""
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, partial or {"layout": "l_shape", "chaise_left": True})
    order = place(api, mode="pre", lines=[{"product_id": sofa, "configuration": config}])
    assert order.status_code == 201, order.get_json()
    order = order.get_json()
    pay_due(api, order["id"])
    confirmed = api.post(f"/api/v1/orders/{order['id']}/confirm", json={})
    assert confirmed.status_code == 200, confirmed.get_json()
    return {**confirmed.get_json(), "tracking_token": order["tracking_token"],
            "configuration": config, "product_id": sofa}


def planned_sofa(api) -> dict:
    """A confirmed sofa order on the demo plant's published plan (needs eager tasks)."""
    order = confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    run = api.post(
        f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 2, "workers": 1}
    ).get_json()
    assert api.get(f"/api/v1/schedule-runs/{run['id']}").get_json()["status"] == "published"
    return {"order": order, "plant": plant}


def co_order_with_proof(api, customer: dict | None = None, mockup: bytes | None = None) -> dict:
    """A co-design cake order with one open proof, a PNG mockup attached (its id: ``mockup``)."""
    cake = product_ids(api)["CAKE-BIRTHDAY"]
    order = place(api, mode="co", lines=[{"product_id": cake}],
                  design_brief={"text": "A unicorn cake for Mia"},
                  **({"customer": customer} if customer else {}))
    assert order.status_code == 201, order.get_json()
    order = order.get_json()
    png = mockup or b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    upload = {"file": (io.BytesIO(png), "mockup.png", "image/png")}
    mockup = api.client.post("/api/v1/files", data=upload, headers=api._headers(None)).get_json()
    proof = api.post(f"/api/v1/orders/{order['id']}/proofs",
                     json={"configuration": completed(api, cake, {}),
                           "attachments": [mockup["id"]]})
    assert proof.status_code == 201, proof.get_json()
    return {**order, "mockup": mockup["id"]}
