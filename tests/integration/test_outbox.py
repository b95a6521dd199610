"""Public events are written to the outbox in the same transaction as the change."""

from mcbackend.adapters import orm
from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.adapters.unit_of_work import UnitOfWork
from tests.e2e.orders_helpers import confirmed_sofa, place, product_ids


def _outbox(app, tenant_id) -> list[orm.OutboxEvent]:
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, tenant_id) as uow:
        return list(uow.outbox.list())


def test_order_life_cycle_fills_the_outbox(app, api, seeded_db):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    order = confirmed_sofa(api)
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    api.post(f"/api/v1/plants/{plant}/schedule-runs", json={"time_limit_s": 1})
    events = _outbox(app, seeded_db.tenant_id)
    types = [e.type for e in events]
    assert types[:1] == ["order.created"]
    assert {"order.confirmed", "order.status_changed", "plan.published", "eta.changed"} <= set(
        types)
    created = events[0].payload
    assert created["data"]["reference"] == order["reference"]
    assert created["timestamp"] and created["type"] == "order.created"


def test_a_refused_change_writes_nothing(app, api, seeded_db):
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    before = len(_outbox(app, seeded_db.tenant_id))
    refused = place(api, mode="pre", lines=[{"product_id": sofa, "configuration": {}}])
    assert refused.status_code == 422
    assert len(_outbox(app, seeded_db.tenant_id)) == before
