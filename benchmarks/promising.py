"""Due-date quotes and promise-while-configuring on a plant with ~500 planned operations.

    .venv/bin/python benchmarks/promising.py [--operations 500] [--samples 10]

Builds a fresh SQLite database with the demo plant, confirms orders of the demo products
through the HTTP API until about N operations are released, publishes a plan (CP-SAT), then
times the two calls a shop front makes while a customer configures: the due-date quote for a
complete configuration and the promise for a partial one. Targets: each within 2 s.
The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from mcbackend.adapters.migrations import upgrade
from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.app import create_app
from mcbackend.demo import seed

CUSTOMER = {"name": "Bench Customer", "contact": "bench@example.com", "language": "en"}
ADDRESS = {"name": "Bench", "street": "1 Road", "postal_code": "1", "city": "X", "country": "DE"}


def _client(folder: Path):
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "FILES_DIR": str(folder / "files")})
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    key = seed.load_demo(app.extensions["mcbackend.db"].session_factory).admin_key
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}

    def call(method: str, path: str, body=None):
        response = client.open(path, method=method, json=body, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_json()}")
        return response.get_json()

    return call


def _fill_plant(call, operations: int) -> int:
    products = {p["sku"]: p["id"] for p in call("GET", "/api/v1/products?page_size=50")}
    mix = ["SOFA-SECTIONAL", "SHIRT-MTM", "SNEAKER-CUSTOM", "CAR-INTERIOR"]
    released = 0
    n = 0
    while released < operations:
        product = products[mix[n % len(mix)]]
        n += 1
        config = call("POST", f"/api/v1/products/{product}/configurator/complete",
                      {"configuration": {}})["configuration"]
        order = call("POST", "/api/v1/orders", {
            "mode": "pre", "customer": CUSTOMER, "delivery_address": ADDRESS,
            "lines": [{"product_id": product, "configuration": config}]})
        due = call("GET", f"/api/v1/orders/{order['id']}/payments")["due"]["amount"]
        if due:
            call("POST", f"/api/v1/orders/{order['id']}/payments",
                 {"amount": due, "method": "card"})
        call("POST", f"/api/v1/orders/{order['id']}/confirm", {})
        jobs = call("GET", f"/api/v1/orders/{order['id']}/jobs")
        released += sum(len(job["operations"]) for job in jobs)
    return released


def _time(fn, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=500)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        call = _client(Path(folder))
        released = _fill_plant(call, args.operations)
        run = call("POST", "/api/v1/plants/1/schedule-runs", {"time_limit_s": 30, "workers": 2})
        run = call("GET", f"/api/v1/schedule-runs/{run['id']}")
        planned = len(call("GET", "/api/v1/plants/1/plan")["assignments"])
        print(f"plant: {released} operations released, {planned} planned "
              f"(run {run['status']}, solver {run['solver_status']}, {run['wall_s']} s)")
        sofa = call("GET", "/api/v1/products")[0]["id"]
        config = call("POST", f"/api/v1/products/{sofa}/configurator/complete",
                      {"configuration": {}})["configuration"]
        quote = _time(lambda: call("POST", "/api/v1/plants/1/due-date-quote",
                                   {"product_id": sofa, "configuration": config}), args.samples)
        shirt = next(p["id"] for p in call("GET", "/api/v1/products") if p["sku"] == "SHIRT-MTM")
        promise = _time(lambda: call("POST", f"/api/v1/products/{shirt}/configurator/promise",
                                     {"configuration": {"fabric": "poplin_white"}}),
                        args.samples)
    figures = {
        "planned_operations": planned,
        "due_date_quote_p50_ms": round(statistics.median(quote), 1),
        "due_date_quote_max_ms": round(max(quote), 1),
        "promise_p50_ms": round(statistics.median(promise), 1),
        "promise_max_ms": round(max(promise), 1),
    }
    print(f"due-date quote: p50 {figures['due_date_quote_p50_ms']} ms, "
          f"max {figures['due_date_quote_max_ms']} ms (target <= 2000 ms)")
    print(f"promise while configuring: p50 {figures['promise_p50_ms']} ms, "
          f"max {figures['promise_max_ms']} ms (target <= 2000 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
