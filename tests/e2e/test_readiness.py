"""/readyz: 503 problem+json naming the dependency that does not answer."""

from mcbackend.app import create_app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _app(database_url: str, tmp_path, **config):
    return create_app({"DATABASE_URL": database_url, "TESTING": True,
                       "FILES_DIR": str(tmp_path / "files"), **config})


def test_an_unreachable_broker_makes_the_service_unready(seeded_db, tmp_path):
    app = _app(seeded_db.url, tmp_path, BROKER_URL=UNREACHABLE_BROKER)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "not_ready" and body["detail"] == "unreachable: broker"
    assert body["checks"] == {"database": "ok", "broker": "unreachable"}
    assert UNREACHABLE_BROKER not in response.get_data(as_text=True)
    app.extensions["mcbackend.db"].dispose()


def test_an_unreachable_database_makes_the_service_unready(tmp_path):
    app = _app("postgresql+psycopg://postgres@127.0.0.1:1/none", tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "unreachable"}


def test_ready_without_a_broker(app):
    assert app.test_client().get("/readyz").get_json() == {"status": "ok", "database": "ok"}
