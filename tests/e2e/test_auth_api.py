"""API keys: authentication, roles, revocation, shown-once secrets."""

from datetime import UTC, datetime

import pytest

from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.adapters.versioned_cache import VersionedCache
from mcbackend.api.base import KEY_CACHE_ENTRIES, KEY_CACHE_TTL_S
from mcbackend.domain.auth import split_api_key


def _problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:mcbackend:problem:{code}"
    return body


def test_missing_key_is_401(api):
    _problem(api.with_key(None).get("/api/v1/products"), 401, "missing_api_key")


@pytest.mark.parametrize("key", ["nonsense", "mck_unknownprefix_secret", "mck_", "Bearer"], ids=str)
def test_bad_keys_are_401_with_the_same_answer(api, key):
    body = _problem(api.with_key(key).get("/api/v1/products"), 401, "invalid_api_key")
    assert key not in body["detail"]


def test_right_prefix_wrong_secret_is_401(api, seeded_db):
    prefix, _ = split_api_key(seeded_db.admin_key)
    _problem(api.with_key(f"mck_{prefix}_wrong").get("/api/v1/tenant"), 401, "invalid_api_key")


def test_x_api_key_header_is_accepted(api, seeded_db):
    response = api.with_key(None).get("/api/v1/tenant", headers={"X-API-Key": seeded_db.admin_key})
    assert response.status_code == 200
    assert response.get_json()["slug"] == "atelier-nord"


def test_created_key_is_shown_once_and_stored_hashed(api, app):
    created = api.post("/api/v1/api-keys", json={"name": "erp", "role": "integrator"})
    assert created.status_code == 201
    body = created.get_json()
    plaintext = body["key"]
    assert plaintext.startswith(f"mck_{body['prefix']}_")
    listed = api.get("/api/v1/api-keys?page_size=100").get_json()
    assert all("key" not in k and "secret_hash" not in k for k in listed)
    assert api.get(f"/api/v1/api-keys/{body['id']}").get_json().get("key") is None
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory) as uow:
        row = uow.api_key_by_prefix(body["prefix"])
        assert row is not None and plaintext not in row.secret_hash
        assert split_api_key(plaintext)[1] not in row.secret_hash
    assert api.with_key(plaintext).get("/api/v1/products").status_code == 200


def test_roles_are_enforced(api):
    floor = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"}).get_json()
    integ = api.post("/api/v1/api-keys", json={"name": "erp", "role": "integrator"}).get_json()
    shopfloor, integrator = api.with_key(floor["key"]), api.with_key(integ["key"])
    assert shopfloor.get("/api/v1/resources").status_code == 200
    body = _problem(shopfloor.get("/api/v1/api-keys"), 403, "insufficient_role")
    assert "shopfloor" in body["detail"]
    _problem(
        integrator.post("/api/v1/api-keys", json={"name": "x", "role": "admin"}),
        403,
        "insufficient_role",
    )
    assert integrator.get("/api/v1/tenant").get_json()["role"] == "integrator"


def test_revoked_key_stops_working(api):
    created = api.post("/api/v1/api-keys", json={"name": "temp", "role": "integrator"}).get_json()
    client = api.with_key(created["key"])
    assert client.get("/api/v1/products").status_code == 200
    revoked = api.delete(f"/api/v1/api-keys/{created['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    _problem(client.get("/api/v1/products"), 401, "invalid_api_key")


def test_unknown_role_is_a_field_error(api):
    body = _problem(
        api.post("/api/v1/api-keys", json={"name": "x", "role": "root"}), 400, "invalid_input"
    )
    assert body["errors"][0]["field"] == "body.role"
    assert body["errors"][0]["code"] == "invalid_choice"


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_key_revoked_by_another_process_stops_working_within_the_cache_ttl(api, app):
    clock = _Clock()
    app.extensions["mcbackend.key_cache"] = VersionedCache(
        KEY_CACHE_ENTRIES, KEY_CACHE_TTL_S, clock=clock
    )
    created = api.post("/api/v1/api-keys", json={"name": "temp", "role": "integrator"}).get_json()
    client = api.with_key(created["key"])
    assert client.get("/api/v1/products").status_code == 200  # now cached
    prefix, secret = split_api_key(created["key"])
    _problem(api.with_key(f"mck_{prefix}_{secret}x").get("/api/v1/products"), 401,
             "invalid_api_key")  # the cached prefix does not vouch for another secret
    assert client.get("/api/v1/products").status_code == 200  # cached again
    session_factory = app.extensions["mcbackend.db"].session_factory
    with UnitOfWork(session_factory) as uow:  # as another gunicorn process would
        uow.api_key_by_prefix(prefix).revoked_at = datetime.now(UTC)
        uow.commit()
    assert client.get("/api/v1/products").status_code == 200  # this process's cache vouches
    clock.now += KEY_CACHE_TTL_S
    _problem(client.get("/api/v1/products"), 401, "invalid_api_key")
