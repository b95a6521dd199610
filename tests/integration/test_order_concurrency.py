"""Concurrent writers on one order: exactly one wins, the other gets a clean 409."""

import threading

from tests.e2e.orders_helpers import completed, place, product_ids


def test_two_concurrent_decisions_on_one_proof(app, api):
    cake = product_ids(api)["CAKE-BIRTHDAY"]
    order = place(api, mode="co", lines=[{"product_id": cake}],
                  design_brief={"text": "A fox cake"}).get_json()
    config = completed(api, cake, {})
    api.post(f"/api/v1/orders/{order['id']}/proofs", json={"configuration": config})
    barrier = threading.Barrier(2)
    results: list[int] = []

    def decide(decision: str) -> None:
        client = api.with_key(None)
        client.client = app.test_client()
        body = {"decision": decision, "comment": "smaller ears"}
        barrier.wait()
        response = client.post(
            f"/api/v1/track/{order['tracking_token']}/proofs/1/decision", json=body)
        results.append(response.status_code)

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "request_changes")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
    proofs = api.get(f"/api/v1/orders/{order['id']}").get_json()["design"]["proofs"]
    assert proofs[0]["status"] in ("approved", "changes_requested")
    events = [e["type"] for e in api.get(f"/api/v1/orders/{order['id']}/events").get_json()]
    assert events.count("proof_approved") + events.count("proof_changes_requested") == 1
