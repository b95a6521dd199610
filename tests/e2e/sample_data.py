"""One row of every kind, for tests that walk every route taking an id."""

import io

from tests.e2e.orders_helpers import confirmed_sofa
from tests.e2e.webhook_helpers import webhook_ids


def one_of_everything(api) -> dict[str, int]:
    """Create one row of every kind that routes take an id of; returns the ids by the
    names the routes use (order_id, job_id, …). Needs eager background tasks."""
    order = confirmed_sofa(api)
    plant_id = api.get("/api/v1/plants").get_json()[0]["id"]
    run = api.post(f"/api/v1/plants/{plant_id}/schedule-runs", json={"time_limit_s": 1})
    job = api.get(f"/api/v1/orders/{order['id']}/jobs").get_json()[0]
    batch = api.post(f"/api/v1/plants/{plant_id}/job-sheet-batches", json={})
    unit_id = api.get(f"/api/v1/units?order_id={order['id']}").get_json()[0]["id"]
    api.post(f"/api/v1/orders/{order['id']}/proofs", json={"configuration": {}})
    upload = {"file": (io.BytesIO(b"%PDF-1.4 spec"), "spec.pdf", "application/pdf")}
    stored = api.client.post("/api/v1/files", data=upload, headers=api._headers(None))
    product = api.get("/api/v1/products").get_json()[0]
    key = api.get("/api/v1/api-keys").get_json()[0]
    configurator = f"/api/v1/products/{product['id']}/configurator"
    completed = api.post(f"{configurator}/complete", json={"configuration": {}}).get_json()
    quote = api.post("/api/v1/quotes", json={"product_id": product["id"],
                                             "configuration": completed["configuration"]})
    return {
        "product_id": product["id"],
        "version": product["current_version"],
        "key_id": key["id"],
        "plant_id": plant_id,
        "resource_id": api.get("/api/v1/resources").get_json()[0]["id"],
        "file_id": stored.get_json()["id"],
        "quote_id": quote.get_json()["id"],
        "order_id": order["id"],
        "job_id": job["id"],
        "operation_id": job["operations"][0]["id"],
        "run_id": run.get_json()["id"],
        "batch_id": batch.get_json()["id"],
        "number": 1,
        "unit_id": unit_id,
        "ticket_id": api.post(f"/api/v1/units/{unit_id}/tickets", json={
            "kind": "complaint", "description": "scratch"}).get_json()["id"],
        **webhook_ids(api),
    }
