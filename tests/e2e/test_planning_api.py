"""Planning through HTTP: schedule runs, the active plan, ETAs, dispatch lists, shop floor."""

import pytest

from mcbackend.adapters.tasks import InProcessTasks
from tests.e2e.orders_helpers import confirmed_sofa


class QueueOnly:
    """Accepts tasks and never runs them: a run stays queued, as with a busy worker."""

    def submit(self, task, *args):
        return None


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


def _plant(api) -> int:
    return api.get("/api/v1/plants").get_json()[0]["id"]


def _run(api, plant_id, **body):
    response = api.post(f"/api/v1/plants/{plant_id}/schedule-runs",
                        json={"time_limit_s": 3, "workers": 1, **body})
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"].endswith(f"/schedule-runs/{response.get_json()['id']}")
    return api.get(f"/api/v1/schedule-runs/{response.get_json()['id']}").get_json()


def test_schedule_run_publishes_a_checked_plan_and_etas(api):
    orders = [confirmed_sofa(api) for _ in range(2)]
    plant = _plant(api)
    run = _run(api, plant)
    assert run["status"] == "published", run
    assert run["solver_status"] in ("optimal", "feasible")
    assert run["plan_version"] == 1 and run["summary"]["jobs"] == 2
    plan = api.get(f"/api/v1/plants/{plant}/plan").get_json()
    assert plan["run_id"] == run["id"] and plan["plan_version"] == 1
    jobs = {j["id"] for o in orders for j in api.get(f"/api/v1/orders/{o['id']}/jobs").get_json()}
    assert {a["job_id"] for a in plan["assignments"]} == jobs
    for order in orders:
        events = api.get(f"/api/v1/orders/{order['id']}/events").get_json()
        eta = [e for e in events if e["type"] == "eta_updated"]
        assert eta and eta[-1]["data"]["plan_version"] == 1
    # Every operation runs on a resource that has the skill, inside the plant's calendar.
    resources = {r["id"]: r for r in api.get("/api/v1/resources?page_size=100").get_json()}
    for assignment in plan["assignments"]:
        assert assignment["start"] < assignment["end"]
        assert resources[assignment["resource_id"]]["active"]


def test_dispatch_list_and_shop_floor_reports(api):
    order = confirmed_sofa(api)
    plant = _plant(api)
    _run(api, plant)
    plan = api.get(f"/api/v1/plants/{plant}/plan").get_json()["assignments"]
    first = min(plan, key=lambda a: a["start"])
    dispatch = api.get(f"/api/v1/resources/{first['resource_id']}/dispatch-list").get_json()
    assert dispatch[0]["operation_id"] in {a["operation_id"] for a in plan}
    assert [d["start"] for d in dispatch] == sorted(d["start"] for d in dispatch)
    floor_key = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"}).get_json()
    floor = api.with_key(floor_key["key"])
    started = floor.post(f"/api/v1/operations/{first['operation_id']}/report",
                         json={"event": "start"})
    assert started.status_code == 200, started.get_json()
    assert started.get_json()["status"] == "started"
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "in_production"
    again = floor.post(f"/api/v1/operations/{first['operation_id']}/report",
                       json={"event": "start"})
    assert again.status_code == 409
    finished = floor.post(f"/api/v1/operations/{first['operation_id']}/report",
                          json={"event": "finish", "note": "all good"})
    assert finished.get_json()["status"] == "done"
    types = [e["type"] for e in api.get(f"/api/v1/orders/{order['id']}/events").get_json()]
    assert "operation_started" in types and "operation_done" in types
    # A reschedule keeps the finished operation out and the started history intact.
    rerun = _run(api, plant)
    assert rerun["status"] == "published" and rerun["plan_version"] == 2


def test_one_run_per_plant_at_a_time(api, app):
    app.extensions["mcbackend.tasks"] = QueueOnly()
    plant = _plant(api)
    queued = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
    assert queued.status_code == 202
    second = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
    assert second.status_code == 409
    body = second.get_json()
    assert body["code"] == "schedule_run_in_progress"
    assert body["active_run"] == queued.get_json()["id"]


def test_breakdown_triggers_a_reschedule(api):
    confirmed_sofa(api)
    plant = _plant(api)
    _run(api, plant)
    cutter = next(r for r in api.get("/api/v1/resources?group=cutting").get_json())
    response = api.post(f"/api/v1/resources/{cutter['id']}/downtimes", json={
        "start": "2026-11-24T00:00:00+00:00", "end": "2026-12-24T00:00:00+00:00",
        "kind": "breakdown", "reason": "motor burnt out", "reschedule": True})
    assert response.status_code == 201, response.get_json()
    run_id = response.get_json()["reschedule_run_id"]
    run = api.get(f"/api/v1/schedule-runs/{run_id}").get_json()
    assert run["trigger"] == "breakdown" and run["status"] == "published"
    plan = api.get(f"/api/v1/plants/{plant}/plan").get_json()["assignments"]
    on_cutter = [a for a in plan if a["resource_id"] == cutter["id"]]
    assert all(a["end"] <= "2026-11-24T00:00:00+00:00" or a["start"] >= "2026-12-24"
               for a in on_cutter)


def test_bad_downtime_and_unknown_things(api):
    resource = api.get("/api/v1/resources").get_json()[0]["id"]
    backwards = api.post(f"/api/v1/resources/{resource}/downtimes", json={
        "start": "2026-11-25T00:00:00+00:00", "end": "2026-11-24T00:00:00+00:00",
        "kind": "planned"})
    assert backwards.status_code == 422
    assert api.post("/api/v1/plants/9999/schedule-runs", json={}).status_code == 404
    assert api.post("/api/v1/operations/9999/report", json={"event": "start"}).status_code == 404
    assert api.post("/api/v1/schedule-runs/9999/publish").status_code == 404


def test_due_date_quote_does_not_move_committed_work(api):
    confirmed_sofa(api)
    plant = _plant(api)
    _run(api, plant)
    before = api.get(f"/api/v1/plants/{plant}/plan").get_json()
    sofa = api.get("/api/v1/products").get_json()[0]["id"]
    config = api.post(f"/api/v1/products/{sofa}/configurator/complete",
                      json={"configuration": {}}).get_json()["configuration"]
    quote = api.post(f"/api/v1/plants/{plant}/due-date-quote",
                     json={"product_id": sofa, "configuration": config, "time_limit_s": 1})
    assert quote.status_code == 200, quote.get_json()
    body = quote.get_json()
    assert body["earliest_date"] >= before["assignments"][0]["start"][:10]
    assert body["plan_version"] == before["plan_version"]
    assert api.get(f"/api/v1/plants/{plant}/plan").get_json() == before  # nothing moved
    invalid = api.post(f"/api/v1/plants/{plant}/due-date-quote",
                       json={"product_id": sofa, "configuration": {"chaise_left": True,
                                                                  "chaise_right": True}})
    assert invalid.status_code == 422


def test_promise_while_configuring(api):
    shirt = next(p["id"] for p in api.get("/api/v1/products").get_json()
                 if p["sku"] == "SHIRT-MTM")
    response = api.post(f"/api/v1/products/{shirt}/configurator/promise",
                        json={"configuration": {"fabric": "poplin_white"}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["price"]["total"] > 0 and body["due_date"]["earliest_date"]
    assert body["configuration"]["fabric"] == "poplin_white"
    for effect in body["option_effects"]:
        assert effect["attribute"] != "fabric"  # chosen attributes are not offered again
        assert "working days" in effect["message"]


def test_planning_an_empty_plant_publishes_an_empty_plan(api):
    run = _run(api, _plant(api))
    assert run["status"] == "published" and run["summary"]["operations"] == 0


def test_a_queued_run_nobody_picked_up_stops_blocking_the_plant(api, app, seeded_db):
    from datetime import UTC, datetime, timedelta

    from mcbackend.adapters.unit_of_work import UnitOfWork

    app.extensions["mcbackend.tasks"] = QueueOnly()
    plant = _plant(api)
    lost = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1}).get_json()
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, seeded_db.tenant_id) as uow:
        uow.schedule_runs.get(lost["id"]).requested_at = datetime.now(UTC) - timedelta(hours=1)
        uow.commit()
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    fresh = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
    assert fresh.status_code == 202
    old = api.get(f"/api/v1/schedule-runs/{lost['id']}").get_json()
    assert old["status"] == "failed" and "no worker" in old["error"]
