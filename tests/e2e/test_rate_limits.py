"""Rate limits per API key and per tracking token: 429 problem+json with Retry-After, then
recovery once the window has passed. (Off in every other test.)"""

from __future__ import annotations

import time

import pytest

from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.app import create_app
from mcbackend.services import tenants
from tests.conftest import ApiClient


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def limited(seeded_db, tmp_path):
    app = create_app({
        "DATABASE_URL": seeded_db.url,
        "TESTING": True,
        "FILES_DIR": str(tmp_path / "files"),
        "RATE_LIMIT_ENABLED": True,
        "RATE_LIMIT_DEFAULT": "3/second",
        "RATE_LIMIT_TOKEN": "2/second",
    })
    yield app
    app.extensions["mcbackend.db"].dispose()


def _second_key(app, tenant_id: int) -> str:
    with UnitOfWork(app.extensions["mcbackend.db"].session_factory, tenant_id) as uow:
        _, key = tenants.issue_api_key(uow, "second", "admin")
        uow.commit()
    return key


def test_a_key_is_limited_then_recovers_and_other_keys_are_not_affected(limited, seeded_db):
    api = ApiClient(limited.test_client(), seeded_db.admin_key)
    other = api.with_key(_second_key(limited, seeded_db.tenant_id))
    time.sleep(1 - time.time() % 1)  # start at the beginning of a one-second window
    assert [api.get("/api/v1/products").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/api/v1/products")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) >= 1
    assert other.get("/api/v1/products").status_code == 200
    assert api.get("/healthz").status_code == 200  # probes are never limited
    time.sleep(1.05)
    assert api.get("/api/v1/products").status_code == 200


def test_a_tracking_token_has_its_own_smaller_limit(limited):
    client = limited.test_client()
    time.sleep(1 - time.time() % 1)
    statuses = [client.get("/api/v1/track/some-token").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    assert client.get("/t/some-token").status_code == 429  # the page shares the token's budget
    assert client.get("/api/v1/track/another-token").status_code == 404
