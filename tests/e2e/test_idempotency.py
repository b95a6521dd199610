"""Idempotency-Key: retries replay, different bodies are refused, races are 409."""

import json

from mcbackend.adapters.unit_of_work import UnitOfWork


def _resource(api, code="LAS-2"):
    plant = api.get("/api/v1/plants").get_json()[0]
    return {"plant_id": plant["id"], "code": code, "name": "Second laser", "kind": "machine"}


def _count_resources(api) -> int:
    return len(api.get("/api/v1/resources?page_size=200").get_json())


def test_retry_with_same_key_and_body_replays_the_first_response(api):
    before = _count_resources(api)
    headers = {"Idempotency-Key": "create-laser-2"}
    first = api.post("/api/v1/resources", json=_resource(api), headers=headers)
    second = api.post("/api/v1/resources", json=_resource(api), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count_resources(api) == before + 1


def test_same_key_with_another_body_is_422(api):
    headers = {"Idempotency-Key": "k-1"}
    assert api.post("/api/v1/resources", json=_resource(api), headers=headers).status_code == 201
    other = api.post("/api/v1/resources", json=_resource(api, "LAS-3"), headers=headers)
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"


def test_request_racing_its_own_retry_is_409(api, app, seeded_db):
    headers = {"Idempotency-Key": "racing"}
    assert api.post("/api/v1/resources", json=_resource(api), headers=headers).status_code == 201
    # Put the claim back to where it is while the first attempt is still running.
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, seeded_db.tenant_id) as uow:
        uow.idempotency.by_key("racing").state = "processing"
        uow.commit()
    response = api.post("/api/v1/resources", json=_resource(api), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["code"] == "idempotency_request_in_progress"


def test_failed_request_releases_the_key(api):
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = dict(_resource(api), code="CUT-1")  # duplicate code: 409, nothing created
    assert api.post("/api/v1/resources", json=bad, headers=headers).status_code == 409
    assert api.post("/api/v1/resources", json=_resource(api), headers=headers).status_code == 201


def test_keys_are_per_tenant_and_bounded(api):
    long_key = {"Idempotency-Key": "x" * 300}
    response = api.post("/api/v1/resources", json=_resource(api), headers=long_key)
    assert response.status_code == 400


def test_whitespace_and_key_order_do_not_change_the_fingerprint(api):
    headers = {"Idempotency-Key": "same-json", "Content-Type": "application/json"}
    payload = _resource(api)
    first = api.request("POST", "/api/v1/resources", data=json.dumps(payload), headers=headers)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    second = api.request("POST", "/api/v1/resources", data=reordered, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
