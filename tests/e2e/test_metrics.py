"""Prometheus metrics at /metrics: request latency, solver series, queue depths, a token,
several processes summed."""

import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.app import create_app


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


def _samples(client, **kwargs) -> dict[tuple, float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_request_latency_by_route_template_and_status_class(api, app):
    api.get("/api/v1/products/1")
    api.get("/api/v1/products/999999")
    samples = _samples(app.test_client())
    route = ("endpoint", "/api/v1/products/<int:product_id>"), ("method", "GET")
    for status_class in ("2xx", "4xx"):
        labels = (*route, ("status_class", status_class))
        assert samples[("mcbackend_http_request_duration_seconds_count", labels)] == 1
    assert samples[("mcbackend_schedule_runs", (("status", "queued"),))] == 0
    assert samples[("mcbackend_webhook_deliveries_pending", ())] >= 0
    assert "/metrics" not in app.test_client().get("/api/openapi.json").get_json()["paths"]


def test_a_schedule_run_is_observed(api, app):
    before = _samples(app.test_client())
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    response = api.post(f"/api/v1/plants/{plant}/schedule-runs",
                        json={"time_limit_s": 3, "workers": 1})
    run = api.get(f"/api/v1/schedule-runs/{response.get_json()['id']}").get_json()
    after = _samples(app.test_client())
    status = (("status", run["solver_status"]),)
    counted = ("mcbackend_solver_status_total", status)
    assert after[counted] == before.get(counted, 0) + 1
    solves = ("mcbackend_solve_duration_seconds_count", ())
    assert after[solves] == before.get(solves, 0) + 1
    assert after[("mcbackend_schedule_runs", (("status", "running"),))] == 0


def test_a_metrics_token_is_required_when_configured(seeded_db, tmp_path):
    app = create_app({"DATABASE_URL": seeded_db.url, "TESTING": True,
                      "FILES_DIR": str(tmp_path), "METRICS_TOKEN": "s3cret"})
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.get_json()["code"] == "invalid_metrics_token"
    assert _samples(client, headers={"Authorization": "Bearer s3cret"})
    app.extensions["mcbackend.db"].dispose()


_WORKER = """
import sys
from mcbackend.adapters.metrics import observe_solve
from mcbackend.app import create_app

app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True, "FILES_DIR": sys.argv[2]})
for _ in range(int(sys.argv[3])):
    assert app.test_client().get("/healthz").status_code == 200
observe_solve("OPTIMAL", 0.2)
app.extensions["mcbackend.db"].dispose()
"""


def test_several_processes_are_summed_in_one_scrape(seeded_db, tmp_path, monkeypatch):
    """Like gunicorn workers: two processes write into one PROMETHEUS_MULTIPROC_DIR; a
    scrape from a third sums their requests and solves."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, seeded_db.url, str(tmp_path), str(n)],
                         env=env)
        for n in (2, 3)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    app = create_app({"DATABASE_URL": seeded_db.url, "TESTING": True, "FILES_DIR": str(tmp_path)})
    samples = _samples(app.test_client())
    healthz = (("endpoint", "/healthz"), ("method", "GET"), ("status_class", "2xx"))
    assert samples[("mcbackend_http_request_duration_seconds_count", healthz)] == 5
    assert samples[("mcbackend_solver_status_total", (("status", "OPTIMAL"),))] == 2
    assert samples[("mcbackend_solve_duration_seconds_count", ())] == 2
    assert samples[("mcbackend_schedule_runs", (("status", "queued"),))] == 0
    app.extensions["mcbackend.db"].dispose()
