"""The materials gate through HTTP: a leather sofa's fabric cutting waits for the hides."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from mcbackend.adapters.tasks import InProcessTasks
from tests.e2e.orders_helpers import confirmed_sofa, product_ids


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


def _confirmed_sofa(api, fabric: str) -> tuple[dict, dict]:
    """A confirmed sofa order in `fabric` and its production job."""
    order = confirmed_sofa(api, {"layout": "l_shape", "fabric": fabric})
    (job,) = api.get(f"/api/v1/orders/{order['id']}/jobs").get_json()
    return order, job


def _plan(api) -> dict:
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    run = api.post(f"/api/v1/plants/{plant}/schedule-runs",
                   json={"time_limit_s": 2, "workers": 1}).get_json()
    assert api.get(f"/api/v1/schedule-runs/{run['id']}").get_json()["status"] == "published"
    return {a["operation_id"]: a for a in
            api.get(f"/api/v1/plants/{plant}/plan").get_json()["assignments"]}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_leather_waits_for_its_hides_in_the_plan_and_on_the_floor(api):
    order, job = _confirmed_sofa(api, "leather")
    cut = next(op for op in job["operations"] if op["key"] == "cut_fabric")
    assert cut["gates"] == ["materials"] and job["materials_received_at"] is None
    # The template's lead time: aniline hides arrive five days after release.
    expected = _at(job["materials_expected_at"])
    assert timedelta(days=4, hours=23) < expected - datetime.now(UTC) <= timedelta(days=5)
    plan = _plan(api)
    assert _at(plan[cut["id"]]["start"]) >= expected
    ungated = [op for op in job["operations"] if not op["gates"]]
    assert min(_at(plan[op["id"]]["start"]) for op in ungated) < expected  # the rest goes on

    cutting = api.get(f"/api/v1/resources/{plan[cut['id']]['resource_id']}/dispatch-list")
    waiting = {row["operation_id"]: row["waiting_for_materials"] for row in cutting.get_json()}
    assert waiting[cut["id"]] is True
    sheet = api.get(f"/api/v1/resources/{plan[cut['id']]['resource_id']}/dispatch-list.pdf"
                    "?start=2026-01-01T00:00:00Z&end=2028-01-01T00:00:00Z")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "Waits for materials" in " ".join(text.split())

    floor_key = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"})
    floor = api.with_key(floor_key.get_json()["key"])
    early = floor.post(f"/api/v1/operations/{cut['id']}/report", json={"event": "start"})
    assert early.status_code == 409
    assert early.get_json()["code"] == "materials_not_received"

    # Purchasing hears the hides come sooner: the next plan may cut the fabric earlier.
    sooner = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    moved = floor.post(f"/api/v1/jobs/{job['id']}/materials",
                       json={"event": "expected", "expected_at": sooner.isoformat(),
                             "note": "supplier ships Tuesday"})
    assert moved.status_code == 200, moved.get_json()
    assert _at(moved.get_json()["materials_expected_at"]) == sooner
    plan = _plan(api)
    assert sooner <= _at(plan[cut["id"]]["start"]) < expected

    received = floor.post(f"/api/v1/jobs/{job['id']}/materials", json={"event": "received"})
    assert received.status_code == 200 and received.get_json()["materials_received_at"]
    again = floor.post(f"/api/v1/jobs/{job['id']}/materials", json={"event": "received"})
    assert again.get_json() == received.get_json()  # a repeated report changes nothing
    cutting = api.get(f"/api/v1/resources/{plan[cut['id']]['resource_id']}/dispatch-list")
    assert {r["operation_id"]: r["waiting_for_materials"] for r in cutting.get_json()}[cut["id"]] \
        is False
    started = floor.post(f"/api/v1/operations/{cut['id']}/report", json={"event": "start"})
    assert started.status_code == 200, started.get_json()

    events = api.get(f"/api/v1/orders/{order['id']}/events").get_json()
    assert [e["type"] for e in events].count("materials_received") == 1
    expected_event = next(e for e in events if e["type"] == "materials_expected")
    assert expected_event["data"]["note"] == "supplier ships Tuesday"
    tracking = api.get(f"/api/v1/track/{order['tracking_token']}").get_json()
    timeline = [e["type"] for e in tracking["timeline"]]
    assert "materials_received" in timeline and "materials_expected" not in timeline


def test_materials_reports_that_cannot_apply(api):
    _, leather = _confirmed_sofa(api, "leather")
    _, felt = _confirmed_sofa(api, "wool_felt")
    url = f"/api/v1/jobs/{leather['id']}/materials"

    undated = api.post(url, json={"event": "expected"})
    assert undated.status_code == 400
    assert undated.get_json()["errors"] == [{
        "code": "invalid", "field": "body.expected_at",
        "message": "required when the event is expected"}]
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    too_far = api.post(url, json={"event": "expected", "expected_at": far})
    assert too_far.status_code == 422
    assert too_far.get_json()["errors"][0]["field"] == "expected_at"
    assert api.post(url, json={"event": "lost"}).status_code == 400
    naive = api.post(url, json={"event": "expected", "expected_at": "2026-12-24T10:00:00"})
    assert naive.status_code == 400

    no_gate = api.post(f"/api/v1/jobs/{felt['id']}/materials", json={"event": "received"})
    assert no_gate.status_code == 409 and no_gate.get_json()["code"] == "no_materials_gate"
    assert felt["materials_expected_at"] is None
    assert api.post("/api/v1/jobs/999999/materials", json={"event": "received"}).status_code == 404

    assert api.post(url, json={"event": "received"}).status_code == 200
    late_news = api.post(url, json={"event": "expected", "expected_at": far})
    assert late_news.status_code == 409
    assert late_news.get_json()["code"] == "materials_already_received"


def test_promise_shows_what_leather_costs_in_time(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    body = api.post(f"/api/v1/products/{sofa}/configurator/promise",
                    json={"configuration": {"layout": "l_shape"}}).get_json()
    leather = next(e for e in body["option_effects"]
                   if e["attribute"] == "fabric" and e["value"] == "leather")
    assert leather["working_days"] >= 3, leather  # five calendar days for the hides
