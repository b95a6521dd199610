"""Webhooks end to end: registration, signed delivery to a real HTTP receiver, retries with
backoff while it is down, the delivery log, replays and validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services.outbox_dispatch import dispatch
from tests.e2e.orders_helpers import confirmed_sofa
from tests.e2e.webhook_helpers import LOOPBACK, Receiver, free_port, settings

HOOKS = "/api/v1/webhook-endpoints"


@pytest.fixture
def app(app):
    app.config["WEBHOOKS_ALLOWED_NETWORKS"] = LOOPBACK
    return app


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _factory(app):
    return app.extensions["mcbackend.db"].session_factory


def _outbox_ids(app, tenant_id) -> set[str]:
    with UnitOfWork(_factory(app), tenant_id) as uow:
        return {f"evt_{e.id}" for e in uow.outbox.list()}


def _register(api, url, **fields):
    response = api.post(HOOKS, json={"url": url, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_events_arrive_signed_at_the_endpoints_that_want_them(app, api, receiver, seeded_db):
    everything = _register(api, receiver.url, description="ERP")
    shipping = _register(api, receiver.url + "?only=shipped", event_types=["order.shipped"])
    assert everything["secret"].startswith("whsec_") and everything["event_types"] == []
    assert "secret" not in api.get(f"{HOOKS}/{everything['id']}").get_json()
    confirmed_sofa(api)

    report = dispatch(_factory(app), settings())

    assert report.webhooks_failed == 0 and report.webhooks_sent == len(receiver.received)
    assert set(receiver.ids()) == _outbox_ids(app, seeded_db.tenant_id)
    assert len(receiver.ids()) == len(set(receiver.ids()))  # nothing for the shipping endpoint
    verifier = Webhook(everything["secret"])
    for headers, body in receiver.received:
        payload = verifier.verify(body, headers)
        assert payload["type"] and payload["timestamp"] and payload["data"]["reference"]
    with pytest.raises(Exception, match="signature"):
        Webhook(shipping["secret"]).verify(receiver.received[0][1], receiver.received[0][0])
    types = [event["type"] for event in receiver.events()]
    assert {"order.created", "order.confirmed", "order.status_changed"} <= set(types)

    log = api.get(f"{HOOKS}/{everything['id']}/deliveries")
    assert log.status_code == 200 and json.loads(log.headers["X-Pagination"])["total"] > 0
    first = log.get_json()[-1]
    assert first["status"] == "succeeded" and first["attempts"] == 1
    assert first["last_status_code"] == 204 and first["delivered_at"]
    detail = api.get(f"/api/v1/webhook-deliveries/{first['id']}").get_json()
    assert [a["status_code"] for a in detail["attempts_log"]] == [204]
    assert api.get(f"{HOOKS}/{shipping['id']}/deliveries").get_json() == []
    assert dispatch(_factory(app), settings()).webhooks_sent == 0  # nothing sent twice


def test_a_receiver_that_is_down_loses_nothing(app, api, seeded_db):
    down = Receiver(port=free_port())
    endpoint = _register(api, down.url)
    confirmed_sofa(api)
    t0 = datetime.now(UTC)

    first = dispatch(_factory(app), settings(), t0)
    assert first.webhooks_sent == 0 and first.webhooks_failed > 0
    deliveries = api.get(f"{HOOKS}/{endpoint['id']}/deliveries?status=failed").get_json()
    assert len(deliveries) == first.webhooks_failed
    for delivery in deliveries:  # the first retry is due 5 s later, exactly (no jitter)
        assert delivery["attempts"] == 1 and delivery["last_error"]
        assert datetime.fromisoformat(delivery["next_attempt_at"]) == t0 + timedelta(seconds=5)
    assert dispatch(_factory(app), settings(), t0 + timedelta(seconds=3)).webhooks_failed == 0

    down.start()
    try:
        later = dispatch(_factory(app), settings(), t0 + timedelta(seconds=6))
        assert later.webhooks_sent == first.webhooks_failed and later.webhooks_failed == 0
        assert sorted(down.ids()) == sorted(_outbox_ids(app, seeded_db.tenant_id))
        assert len(down.ids()) == len(set(down.ids()))
    finally:
        down.stop()
    delivery = api.get(f"/api/v1/webhook-deliveries/{deliveries[0]['id']}").get_json()
    assert delivery["status"] == "succeeded"
    assert [bool(a["error"]) for a in delivery["attempts_log"]] == [True, False]


def test_dead_deliveries_are_replayed_with_the_same_webhook_id(app, api, seeded_db):
    down = Receiver(port=free_port())
    endpoint = _register(api, down.url, event_types=["order.created"])
    confirmed_sofa(api)
    short = settings(retry_schedule_s=(1.0,))
    t0 = datetime.now(UTC)
    dispatch(_factory(app), short, t0)
    dispatch(_factory(app), short, t0 + timedelta(seconds=2))
    [dead] = api.get(f"{HOOKS}/{endpoint['id']}/deliveries").get_json()
    assert dead["status"] == "dead" and dead["attempts"] == 2 and dead["next_attempt_at"] is None

    replayed = api.post(f"/api/v1/webhook-deliveries/{dead['id']}/replay")
    assert replayed.status_code == 202 and replayed.get_json()["status"] == "pending"
    down.start()
    try:
        dispatch(_factory(app), short)
        by_event = api.post(f"{HOOKS}/{endpoint['id']}/replay",
                            json={"event_ids": [dead["event_id"]]})
        assert by_event.status_code == 202 and by_event.get_json() == {"replayed": 1}
        dispatch(_factory(app), short)
    finally:
        down.stop()
    assert down.ids() == [f"evt_{dead['event_id']}"] * 2
    detail = api.get(f"/api/v1/webhook-deliveries/{dead['id']}").get_json()
    assert detail["status"] == "succeeded" and len(detail["attempts_log"]) == 4


def test_a_rotated_secret_signs_beside_the_old_one(app, api, receiver):
    endpoint = _register(api, receiver.url, event_types=["order.created"])
    rotated = api.post(f"{HOOKS}/{endpoint['id']}/secret")
    assert rotated.status_code == 201
    new_secret = rotated.get_json()["secret"]
    assert new_secret != endpoint["secret"] and rotated.get_json()["previous_secret_expires_at"]
    confirmed_sofa(api)
    dispatch(_factory(app), settings())
    [(headers, body)] = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(body, headers)
    Webhook(new_secret).verify(body, headers)


def test_inactive_and_deleted_endpoints_get_nothing(app, api, receiver):
    endpoint = _register(api, receiver.url, active=False)
    confirmed_sofa(api)
    dispatch(_factory(app), settings())
    assert receiver.received == []
    patched = api.patch(f"{HOOKS}/{endpoint['id']}", json={"active": True})
    assert patched.status_code == 200 and patched.get_json()["active"] is True
    assert api.delete(f"{HOOKS}/{endpoint['id']}").status_code == 204
    assert api.get(f"{HOOKS}/{endpoint['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "not a url"}, 400, "invalid_url"),
        ({"url": "ftp://example.com/x"}, 400, "invalid_url"),
        ({"url": "https://user:pw@example.com/x"}, 400, "invalid_url"),
        ({"url": "http://example.com/hooks"}, 422, "url_not_allowed"),
        ({"url": "https://10.1.2.3/hooks"}, 422, "url_not_allowed"),
        ({"url": "https://169.254.169.254/latest"}, 422, "url_not_allowed"),
        ({"url": "https://[::ffff:10.0.0.1]/x"}, 422, "url_not_allowed"),
        ({"url": "https://example.com/h", "event_types": ["order.exploded"]}, 400, "invalid_input"),
        ({"url": "https://example.com/h", "secret": "mine"}, 400, "invalid_input"),
    ],
)
def test_bad_endpoints_are_refused_with_problem_details(api, body, status, code):
    response = api.post(HOOKS, json=body)
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == code


def test_loopback_needs_the_operator_to_allow_it(app, api):
    app.config["WEBHOOKS_ALLOWED_NETWORKS"] = []
    response = api.post(HOOKS, json={"url": "http://127.0.0.1:9/hooks"})
    assert response.status_code == 422 and response.get_json()["code"] == "url_not_allowed"
    response = api.post(HOOKS, json={"url": "https://localhost/hooks"})
    assert response.status_code == 422


def test_replay_needs_something_to_replay(api):
    endpoint = _register(api, "https://example.com/hooks")
    response = api.post(f"{HOOKS}/{endpoint['id']}/replay", json={})
    assert response.status_code == 400 and response.get_json()["code"] == "nothing_to_replay"


def test_public_events_are_listed(api):
    order = confirmed_sofa(api)
    events = api.get(f"/api/v1/events?order_id={order['id']}&type=order.created").get_json()
    assert [e["payload"]["data"]["reference"] for e in events] == [order["reference"]]
    assert api.get(f"/api/v1/events/{events[0]['id']}").get_json() == events[0]
    assert api.get("/api/v1/events?type=nope").status_code == 400
