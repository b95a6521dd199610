"""Shared fixtures: a migrated, demo-seeded database per test on SQLite and PostgreSQL.

Each backend is migrated and seeded once per session into a template; every test gets its
own copy (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests
never see each other's data and parallel test runs never share a database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mcbackend.adapters.migrations import upgrade
from mcbackend.app import create_app
from mcbackend.demo import seed

POSTGRES_ADMIN_URL = os.environ.get(
    "MC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [b.strip() for b in os.environ.get("MC_TEST_BACKENDS", "sqlite,postgres").split(",")]
REQUIRE_POSTGRES = os.environ.get("MC_TEST_REQUIRE_POSTGRES") == "1"


@dataclass(frozen=True)
class SeededDatabase:
    url: str
    admin_key: str
    tenant_id: int


class _Postgres:
    """Creates and drops throwaway databases next to the admin database."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def available(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _seed(url: str) -> SeededDatabase:
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    database = app.extensions["mcbackend.db"]
    demo = seed.load_demo(database.session_factory)
    database.dispose()
    return SeededDatabase(url, demo.admin_key, demo.tenant_id)


@pytest.fixture(scope="session")
def postgres() -> Iterator[_Postgres]:
    pg = _Postgres(POSTGRES_ADMIN_URL)
    if not pg.available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    yield pg
    pg.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> SeededDatabase:
    path = tmp_path_factory.mktemp("template") / "template.db"
    return _seed(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def postgres_template(postgres: _Postgres) -> Iterator[SeededDatabase]:
    name = f"mc_tpl_{uuid.uuid4().hex[:12]}"
    seeded = _seed(postgres.create(name))
    yield seeded
    postgres.drop(name)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def seeded_db(backend: str, request, tmp_path: Path) -> Iterator[SeededDatabase]:
    """A private copy of the migrated, demo-seeded database."""
    if backend == "sqlite":
        template: SeededDatabase = request.getfixturevalue("sqlite_template")
        source = Path(make_url(template.url).database)
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        yield SeededDatabase(f"sqlite:///{target}", template.admin_key, template.tenant_id)
        return
    postgres: _Postgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"mc_t_{uuid.uuid4().hex[:12]}"
    url = postgres.create(name, template=make_url(template.url).database)
    yield SeededDatabase(url, template.admin_key, template.tenant_id)
    postgres.drop(name)


@pytest.fixture
def empty_db_url(backend: str, request, tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database (no schema) on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    postgres: _Postgres = request.getfixturevalue("postgres")
    name = f"mc_e_{uuid.uuid4().hex[:12]}"
    yield postgres.create(name)
    postgres.drop(name)


@pytest.fixture
def app(seeded_db: SeededDatabase, tmp_path: Path):
    app = create_app(
        {"DATABASE_URL": seeded_db.url, "TESTING": True, "FILES_DIR": str(tmp_path / "files")}
    )
    yield app
    app.extensions["mcbackend.db"].dispose()


class ApiClient:
    """Flask's test client with an API key and JSON helpers."""

    def __init__(self, flask_client, key: str | None) -> None:
        self.client = flask_client
        self.key = key

    def _headers(self, headers: dict | None) -> dict:
        out = dict(headers or {})
        if self.key and "Authorization" not in out:
            out["Authorization"] = f"Bearer {self.key}"
        return out

    def request(self, method: str, path: str, *, json=None, headers=None, **kwargs):
        return self.client.open(
            path, method=method, json=json, headers=self._headers(headers), **kwargs
        )

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json=None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def with_key(self, key: str | None) -> ApiClient:
        return ApiClient(self.client, key)


@pytest.fixture
def api(app, seeded_db: SeededDatabase) -> ApiClient:
    """A client authenticated as the demo tenant's admin."""
    return ApiClient(app.test_client(), seeded_db.admin_key)
