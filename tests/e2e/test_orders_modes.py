"""Co-design, post-customization, bespoke orders, change orders and customer access."""

import io

import pytest

from tests.e2e.orders_helpers import completed, confirmed_sofa, pay_due, place, product_ids


@pytest.fixture
def cake_order(api):
    cake = product_ids(api)["CAKE-BIRTHDAY"]
    upload = {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 20), "unicorn.png", "image/png")}
    photo = api.client.post("/api/v1/files", data=upload, headers=api._headers(None)).get_json()
    response = place(api, mode="co", lines=[{"product_id": cake}],
                     design_brief={"text": "A unicorn cake for Mia", "attachments": [photo["id"]]})
    assert response.status_code == 201, response.get_json()
    return {**response.get_json(), "product_id": cake}


def test_co_design_brief_refers_only_to_uploaded_files(api):
    cake = product_ids(api)["CAKE-BIRTHDAY"]
    response = place(api, mode="co", lines=[{"product_id": cake}],
                     design_brief={"text": "A unicorn cake", "attachments": [987654]})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "unknown_file"
    assert problem["errors"][0]["field"] == "design_brief.attachments"
    assert api.get("/api/v1/orders").get_json() == []


def _issue(api, order, partial=None):
    config = completed(api, order["product_id"], partial or {})
    return api.post(f"/api/v1/orders/{order['id']}/proofs", json={"configuration": config})


def test_co_design_rounds_approval_and_confirmation(api, cake_order):
    oid, token = cake_order["id"], cake_order["tracking_token"]
    assert cake_order["status"] == "awaiting_design" and cake_order["total"] is None
    first = _issue(api, cake_order)
    assert first.status_code == 201 and first.get_json()["number"] == 1
    customer = api.with_key(None)
    changes = customer.post(f"/api/v1/track/{token}/proofs/1/decision",
                            json={"decision": "request_changes", "comment": "more pink"})
    assert changes.status_code == 200
    second = _issue(api, cake_order)
    assert second.get_json()["number"] == 2
    # The customer cannot approve the superseded or decided first proof.
    old = customer.post(f"/api/v1/track/{token}/proofs/1/decision", json={"decision": "approve"})
    assert old.status_code == 409 and old.get_json()["code"] == "proof_already_decided"
    approved = customer.post(f"/api/v1/track/{token}/proofs/2/decision",
                             json={"decision": "approve"})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "design_approved"
    twice = customer.post(f"/api/v1/track/{token}/proofs/2/decision", json={"decision": "approve"})
    assert twice.status_code == 409
    order = api.get(f"/api/v1/orders/{oid}").get_json()
    assert order["total"] is not None and order["deposit_required"]
    assert api.post(f"/api/v1/orders/{oid}/confirm", json={}).status_code == 422
    pay_due(api, oid)
    confirmed = api.post(f"/api/v1/orders/{oid}/confirm", json={})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert api.get(f"/api/v1/orders/{oid}/jobs").get_json()


def test_superseded_proof_cannot_be_approved(api, cake_order):
    _issue(api, cake_order)
    _issue(api, cake_order)
    response = api.post(f"/api/v1/orders/{cake_order['id']}/proofs/1/decision",
                        json={"decision": "approve"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "proof_superseded" and body["current_proof"] == 2


def test_tracking_token_scope(api, cake_order, app):
    token = cake_order["tracking_token"]
    customer = api.with_key(None)
    view = customer.get(f"/api/v1/track/{token}").get_json()
    assert view["reference"] == cake_order["reference"]
    assert all(e["visibility"] == "customer" for e in view["timeline"])
    # The token is not an API key and opens nothing else.
    assert customer.with_key(token).get("/api/v1/orders").status_code == 401
    assert customer.get(f"/api/v1/track/{token}x").status_code == 404
    rotated = api.post(f"/api/v1/orders/{cake_order['id']}/tracking-token").get_json()
    assert customer.get(f"/api/v1/track/{token}").status_code == 404
    assert customer.get(f"/api/v1/track/{rotated['tracking_token']}").status_code == 200
    api.delete(f"/api/v1/orders/{cake_order['id']}/tracking-token")
    assert customer.get(f"/api/v1/track/{rotated['tracking_token']}").status_code == 404


def test_post_customization_checks_the_as_built_unit(api):
    sofa_order = confirmed_sofa(api)
    serial = api.get(f"/api/v1/units?order_id={sofa_order['id']}").get_json()[0]["serial"]
    bad = place(api, mode="post", target_serial=serial,
                modification={"kind": "upgrade", "changes": {"chaise_right": True}})
    assert bad.status_code == 422
    assert bad.get_json()["code"] == "incompatible_modification"
    assert any(e.get("rule") == "one-chaise" for e in bad.get_json()["errors"])
    good = place(api, mode="post", target_serial=serial,
                 modification={"kind": "upgrade", "changes": {"leg_style": "chrome_sled"}})
    assert good.status_code == 201, good.get_json()
    oid = good.get_json()["id"]
    assert good.get_json()["total"] > 0
    unrouted = api.post(f"/api/v1/orders/{oid}/confirm", json={})
    assert unrouted.status_code == 422 and unrouted.get_json()["code"] == "routing_required"
    routing = {"operations": [{"name": "swap legs", "resource_group": "assembly",
                               "duration_minutes": 30}]}
    assert api.put(f"/api/v1/orders/{oid}/routing", json=routing).status_code == 200
    pay_due(api, oid)
    assert api.post(f"/api/v1/orders/{oid}/confirm", json={}).status_code == 200
    for step in ("start-production", "ready", "deliver"):
        assert api.post(f"/api/v1/orders/{oid}/{step}", json={}).status_code == 200
    unit = api.get(f"/api/v1/units?serial={serial}").get_json()[0]
    assert unit["version"] == 2
    assert unit["history"][-1]["configuration"]["leg_style"] == "chrome_sled"


def test_customer_owned_unit_is_registered_first(api):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {})
    unit = api.post("/api/v1/units", json={"serial": "OWN-001", "product_id": sofa,
                                           "configuration": config,
                                           "description": "bought 2019, worn fabric"})
    assert unit.status_code == 201 and unit.get_json()["customer_owned"] is True
    again = api.post("/api/v1/units", json={"serial": "OWN-001", "product_id": sofa,
                                            "configuration": config})
    assert again.status_code == 409
    unknown = place(api, mode="post", target_serial="NOPE-1",
                    modification={"kind": "alteration", "changes": {"fabric": "linen"}})
    assert unknown.status_code == 404


def test_bespoke_order_priced_and_routed_by_a_planner(api):
    brief = {"text": "Three-piece suit", "measurements": [
        {"name": "chest", "value": "98"}, {"name": "sleeve", "value": "64"}]}
    implausible = place(api, mode="bespoke", brief={
        "text": "x", "measurements": [{"name": "chest", "value": "980"}]})
    assert implausible.status_code == 422
    assert implausible.get_json()["code"] == "invalid_measurements"
    order = place(api, mode="bespoke", brief=brief).get_json()
    oid = order["id"]
    assert order["total"] is None
    cycle = {"price": 250000, "operations": [
        {"name": "cut", "resource_group": "cutting", "duration_minutes": 90, "after": ["sew"]},
        {"name": "sew", "resource_group": "tailoring", "duration_minutes": 600, "after": ["cut"]}]}
    bad = api.put(f"/api/v1/orders/{oid}/routing", json=cycle)
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid_bespoke_plan"
    cycle["operations"][0]["after"] = []
    routed = api.put(f"/api/v1/orders/{oid}/routing", json=cycle)
    assert routed.status_code == 200 and routed.get_json()["total"] == 250000
    pay_due(api, oid)
    assert api.post(f"/api/v1/orders/{oid}/confirm", json={}).status_code == 200
    jobs = api.get(f"/api/v1/orders/{oid}/jobs").get_json()
    assert [op["name"] for op in jobs[0]["operations"]] == ["cut", "sew"]


def test_change_order_preview_then_accept(api):
    order = confirmed_sofa(api)
    oid = order["id"]
    new_config = {**order["configuration"], "width": order["configuration"]["width"] + 40}
    preview = api.post(f"/api/v1/orders/{oid}/changes/preview",
                       json={"configuration": new_config})
    assert preview.status_code == 200, preview.get_json()
    impact = preview.get_json()
    assert impact["based_on_version"] == order["version"]
    assert impact["new_price"]["amount"] > impact["current_price"]["amount"]
    assert impact["operations"] and impact["earliest_date"]
    unchanged = api.get(f"/api/v1/orders/{oid}").get_json()
    assert unchanged["version"] == order["version"]  # a preview changes nothing
    accepted = api.post(f"/api/v1/orders/{oid}/changes",
                        json={"configuration": new_config, "version": order["version"]})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["total"] == impact["new_price"]["amount"]
    jobs = api.get(f"/api/v1/orders/{oid}/jobs").get_json()
    assert sorted(j["status"] for j in jobs) == ["released", "superseded"]
    stale = api.post(f"/api/v1/orders/{oid}/changes",
                     json={"quantity": 2, "version": order["version"]})
    assert stale.status_code == 409


def test_change_after_cut_off_is_refused(api, app, seeded_db):
    order = confirmed_sofa(api)
    from mcbackend.adapters import orm
    from mcbackend.adapters.unit_of_work import UnitOfWork
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, seeded_db.tenant_id) as uow:
        job = uow.jobs.list(orm.Job.order_id == order["id"])[0]
        cut = next(op for op in job.operations if op.cut_off)
        cut.status = "started"
        uow.commit()
    response = api.post(f"/api/v1/orders/{order['id']}/changes/preview",
                        json={"quantity": 2})
    assert response.status_code == 422
    assert response.get_json()["code"] == "past_cut_off"


def test_design_work_is_scheduled_before_approval(api, app, cake_order):
    from mcbackend.adapters.tasks import InProcessTasks

    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    jobs = api.get(f"/api/v1/orders/{cake_order['id']}/jobs").get_json()
    design = [j for j in jobs if all(op["design"] for op in j["operations"])]
    assert len(design) == 1 and design[0]["unit_id"] is None
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    run = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1}).get_json()
    assert api.get(f"/api/v1/schedule-runs/{run['id']}").get_json()["status"] == "published"
    plan = api.get(f"/api/v1/plants/{plant}/plan").get_json()["assignments"]
    designers = {r["id"] for r in api.get("/api/v1/resources?group=design").get_json()}
    planned = [a for a in plan if a["job_id"] == design[0]["id"]]
    assert planned and all(a["resource_id"] in designers for a in planned)
    _issue(api, cake_order)
    api.post(f"/api/v1/orders/{cake_order['id']}/proofs/1/decision", json={"decision": "approve"})
    pay_due(api, cake_order["id"])
    api.post(f"/api/v1/orders/{cake_order['id']}/confirm", json={})
    jobs = api.get(f"/api/v1/orders/{cake_order['id']}/jobs").get_json()
    production_jobs = [j for j in jobs if j["id"] != design[0]["id"]]
    assert production_jobs and not any(op["design"] for j in production_jobs
                                       for op in j["operations"])


def test_capacity_hold_is_planned_until_it_expires(api, app, cake_order, seeded_db):
    from datetime import UTC, datetime, timedelta

    from mcbackend.adapters.tasks import InProcessTasks
    from mcbackend.adapters.unit_of_work import UnitOfWork

    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    oid = cake_order["id"]
    hold = api.post(f"/api/v1/orders/{oid}/capacity-hold", json={"hours": 48})
    assert hold.status_code == 201, hold.get_json()
    assert hold.get_json()["kind"] == "hold" and hold.get_json()["expires_at"]
    plant = api.get("/api/v1/plants").get_json()[0]["id"]

    def planned_jobs() -> set[int]:
        run = api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
        assert api.get(f"/api/v1/schedule-runs/{run.get_json()['id']}").get_json()[
            "status"] == "published"
        return {a["job_id"] for a in api.get(f"/api/v1/plants/{plant}/plan").get_json()[
            "assignments"]}

    assert hold.get_json()["id"] in planned_jobs()
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, seeded_db.tenant_id) as uow:
        uow.jobs.get(hold.get_json()["id"]).expires_at = datetime.now(UTC) - timedelta(hours=1)
        uow.commit()
    assert hold.get_json()["id"] not in planned_jobs()  # expired: the capacity is free again
    again = api.post(f"/api/v1/orders/{oid}/capacity-hold", json={}).get_json()
    released = api.delete(f"/api/v1/orders/{oid}/capacity-hold")
    assert released.status_code == 200
    jobs = {j["id"]: j for j in api.get(f"/api/v1/orders/{oid}/jobs").get_json()}
    assert jobs[again["id"]]["status"] == "superseded"


def test_capacity_hold_only_for_co_orders_awaiting_approval(api):
    order = confirmed_sofa(api)
    response = api.post(f"/api/v1/orders/{order['id']}/capacity-hold", json={})
    assert response.status_code == 409 and response.get_json()["code"] == "hold_not_allowed"
