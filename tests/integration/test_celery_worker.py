"""Schedule runs on a real Celery worker process with the local Redis as broker.

The API is an app configured with ``BROKER_URL``; the worker is ``mcbackend worker`` in its
own process group, reading the same test database. Locally the tests skip when Redis is not
running; under ``CI`` they fail instead.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from pypdf import PdfReader
from sqlalchemy import func, select

from mcbackend.adapters import orm
from mcbackend.adapters.database import Database
from mcbackend.app import create_app
from tests.conftest import ApiClient
from tests.e2e.orders_helpers import confirmed_sofa

REDIS_URL = os.environ.get("MC_TEST_REDIS_URL", "redis://127.0.0.1:6379")
LOST_AFTER_S = 2  # a run is taken over 2 s after its time limit ran out
VISIBILITY_S = 10  # Redis hands out a dead worker's unacknowledged task again after 10 s
_REDIS_LOCK = "mcbackend-test:owner"


@pytest.fixture
def broker_url() -> Iterator[str]:
    """A Redis database of its own (1 to 15), held with a lock key so parallel test runs on this
    machine never share a broker."""
    try:
        client = _claim_redis_database()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield f"{REDIS_URL}/{client.connection_pool.connection_kwargs['db']}"
    client.flushdb()
    client.close()


def _claim_redis_database() -> redis.Redis:
    token = uuid.uuid4().hex
    for db in random.sample(range(1, 16), 15):
        client = redis.Redis.from_url(f"{REDIS_URL}/{db}", socket_connect_timeout=2)
        if client.set(_REDIS_LOCK, token, nx=True, ex=300):
            for key in client.scan_iter():  # leftovers of a run that was killed
                if key != _REDIS_LOCK.encode():
                    client.delete(key)
            return client
        client.close()
    raise redis.RedisError("every Redis database 1 to 15 is held by another test run")


@pytest.fixture
def api(seeded_db, broker_url: str, tmp_path: Path) -> Iterator[ApiClient]:
    app = create_app(
        {
            "DATABASE_URL": seeded_db.url,
            "BROKER_URL": broker_url,
            "TESTING": True,
            "FILES_DIR": str(tmp_path / "files"),
        }
    )
    yield ApiClient(app.test_client(), seeded_db.admin_key)
    app.extensions["mcbackend.tasks"].shutdown()
    app.extensions["mcbackend.db"].dispose()


@pytest.fixture
def start_worker(seeded_db, broker_url: str, tmp_path: Path) -> Iterator[Callable[..., int]]:
    """Starts ``mcbackend worker`` processes; returns each one's process group id."""
    started: list[subprocess.Popen] = []

    def start(*options: str) -> int:
        env = {
            **os.environ,
            "MC_DATABASE_URL": seeded_db.url,
            "MC_BROKER_URL": broker_url,
            "MC_FILES_DIR": str(tmp_path / "files"),
            "MC_SOLVER_LOST_AFTER_S": str(LOST_AFTER_S),
            "MC_BROKER_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S),
        }
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        command = [str(Path(sys.executable).parent / "mcbackend"), "worker", "-c", "1", *options]
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the worker has its own copy
        started.append(process)
        return process.pid

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    for log in sorted(tmp_path.glob("worker-*.log")):
        sys.stdout.write(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}\n")


def _request_run(api: ApiClient, plant: int, time_limit_s: float) -> int:
    response = api.post(
        f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": time_limit_s, "workers": 1}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def _run(api: ApiClient, run_id: int) -> dict:
    return api.get(f"/api/v1/schedule-runs/{run_id}").get_json()


def _wait_for(api: ApiClient, run_id: int, statuses: set[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while (run := _run(api, run_id))["status"] not in statuses:
        assert time.monotonic() < deadline, f"run still {run['status']}: {run}"
        time.sleep(0.2)
    return run


def _plan_version(api: ApiClient, plant: int) -> int | None:
    response = api.get(f"/api/v1/plants/{plant}/plan")
    return response.get_json()["plan_version"] if response.status_code == 200 else None


def test_a_schedule_run_is_solved_and_published_by_a_celery_worker(api, start_worker):
    order = confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    start_worker()
    run_id = _request_run(api, plant, 2)
    run = _wait_for(api, run_id, {"published", "failed"}, 30)
    assert run["status"] == "published", run
    assert run["solver_status"] in ("optimal", "feasible") and run["plan_version"] == 1
    plan = api.get(f"/api/v1/plants/{plant}/plan").get_json()
    assert plan["run_id"] == run_id
    jobs = {j["id"] for j in api.get(f"/api/v1/orders/{order['id']}/jobs").get_json()}
    assert {a["job_id"] for a in plan["assignments"]} == jobs


def test_a_worker_killed_mid_solve_leaves_the_plan_and_the_run_is_taken_over(
    api, start_worker
):
    confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    first_worker = start_worker()
    first = _wait_for(api, _request_run(api, plant, 1), {"published", "failed"}, 30)
    assert first["status"] == "published" and first["plan_version"] == 1
    for _ in range(12):  # enough work that the solve uses its whole time limit
        confirmed_sofa(api)

    run_id = _request_run(api, plant, 6)
    _wait_for(api, run_id, {"running"}, 10)
    time.sleep(1.5)  # well inside the solve
    os.killpg(first_worker, signal.SIGKILL)  # the whole worker: main process and pool
    assert _run(api, run_id)["status"] == "running"
    assert _plan_version(api, plant) == 1

    start_worker()
    deadline = time.monotonic() + 35
    # A run is stored as succeeded and published in the next transaction: wait past both.
    while (run := _run(api, run_id))["status"] in ("running", "succeeded"):
        assert _plan_version(api, plant) == 1, "the previous plan stays active meanwhile"
        assert time.monotonic() < deadline, f"run never finished: {run}"
        time.sleep(0.3)
    assert run["status"] == "published", run  # delivered again and taken over
    assert run["plan_version"] == 2 and run["summary"]["jobs"] == 13
    assert _plan_version(api, plant) == 2


def test_the_beat_runs_outbox_passes_on_a_worker(api, seeded_db, start_worker, monkeypatch):
    confirmed_sofa(api)  # its timeline events wait in the outbox
    database = Database(seeded_db.url)

    def undispatched() -> int:
        with database.session_factory() as session:
            dispatched = select(orm.OutboxDispatch.event_id)
            stmt = select(func.count()).where(orm.OutboxEvent.id.not_in(dispatched))
            return session.scalar(stmt)

    assert undispatched() > 0
    monkeypatch.setenv("MC_WEBHOOKS_POLL_S", "0.5")
    start_worker("--beat")
    deadline = time.monotonic() + 20
    while undispatched() > 0:
        assert time.monotonic() < deadline, "no outbox pass ran"
        time.sleep(0.3)
    database.dispose()


def test_a_job_sheet_batch_is_rendered_by_a_celery_worker(api, start_worker):
    order = confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    start_worker()
    _wait_for(api, _request_run(api, plant, 1), {"published", "failed"}, 30)
    response = api.post(f"/api/v1/plants/{plant}/job-sheet-batches", json={})
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    deadline = time.monotonic() + 30
    while (batch := api.get(location).get_json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"batch still {batch['status']}"
        time.sleep(0.2)
    assert batch["status"] == "done" and batch["pages"] >= 1, batch
    document = api.get(f"{location}/document.pdf")  # written by the worker, read by the API
    assert document.status_code == 200
    pages = PdfReader(io.BytesIO(document.data)).pages
    assert len(pages) == batch["pages"]
    assert order["reference"] in "\n".join(page.extract_text() for page in pages)
