"""Many clients at once: nothing created twice, nothing lost, one solve per plant."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from mcbackend.adapters.tasks import InProcessTasks
from tests.e2e.orders_helpers import ADDRESS, CUSTOMER, completed, product_ids


def test_fifty_clients_with_idempotency_keys_and_retries(app, api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    body = {"mode": "pre", "customer": CUSTOMER, "delivery_address": ADDRESS,
            "lines": [{"product_id": sofa, "configuration": completed(api, sofa, {})}]}
    rng = random.Random(7)
    plan = [(f"client-{n}", 1 + rng.randrange(3)) for n in range(50)]  # key, attempts

    def client(key: str, attempts: int) -> set[int]:
        local = api.with_key(api.key)
        local.client = app.test_client()
        seen = set()
        for _ in range(attempts):
            response = local.post("/api/v1/orders", json=body, headers={"Idempotency-Key": key})
            # A retry racing its own first attempt may be told to wait (409); never a duplicate.
            assert response.status_code in (201, 409), response.get_json()
            if response.status_code == 201:
                seen.add(response.get_json()["id"])
        return seen

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda p: client(*p), plan))
    assert all(len(ids) == 1 for ids in results)  # each key maps to exactly one order
    orders = api.get("/api/v1/orders?page_size=200").get_json()
    assert len(orders) == 50 and len({o["id"] for o in orders}) == 50


def test_two_concurrent_schedule_runs_on_one_plant(app, api):
    class Held:
        """Keeps the first run queued, as a busy worker would."""

        def submit(self, task, *args):
            return None

    app.extensions["mcbackend.tasks"] = Held()
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def request() -> None:
        local = api.with_key(api.key)
        local.client = app.test_client()
        barrier.wait()
        response = local.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202, 409]
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
