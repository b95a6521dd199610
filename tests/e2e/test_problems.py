"""Every error class answers with an RFC 9457 problem document, never a stack trace."""

import pytest
from sqlalchemy.exc import OperationalError


def _problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    for member in ("type", "title", "status", "detail", "code", "instance"):
        assert member in body
    assert body["status"] == status and body["code"] == code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "sqlalchemy" not in text.lower()
    assert response.headers["X-Request-ID"]
    return body


def test_404_unknown_path(api):
    _problem(api.get("/api/v1/no-such-thing"), 404, "not_found")


def test_404_unknown_id_names_the_resource(api):
    body = _problem(api.get("/api/v1/products/999999"), 404, "product_not_found")
    assert "999999" in body["detail"]


def test_405_lists_allowed_methods(api):
    response = api.put("/api/v1/products", json={})
    body = _problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"] and "POST" in body["detail"]


def test_413_payload_too_large(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/api/v1/api-keys", json={"name": "x" * 5000, "role": "admin"})
    _problem(response, 413, "payload_too_large")


def test_400_malformed_json(api):
    response = api.request(
        "POST", "/api/v1/api-keys", data="{not json", headers={"Content-Type": "application/json"}
    )
    _problem(response, 400, "malformed_json")


def test_400_lists_every_field_problem(api):
    body = _problem(
        api.post("/api/v1/resources", json={"kind": "robot", "capacity": 0, "colour": "red"}),
        400,
        "invalid_input",
    )
    fields = {(e["field"], e["code"]) for e in body["errors"]}
    assert fields >= {
        ("body.plant_id", "required"),
        ("body.code", "required"),
        ("body.name", "required"),
        ("body.kind", "invalid_choice"),
        ("body.capacity", "out_of_range"),
        ("body.colour", "unknown_field"),
    }


def test_400_bad_query_parameter(api):
    body = _problem(api.get("/api/v1/products?page=zero"), 400, "invalid_input")
    assert body["errors"][0]["field"] == "query.page"


def test_409_duplicate(api):
    plant = api.get("/api/v1/plants").get_json()[0]
    payload = {"plant_id": plant["id"], "code": "CUT-1", "name": "Second cutter", "kind": "station"}
    body = _problem(api.post("/api/v1/resources", json=payload), 409, "duplicate_code")
    assert body["errors"][0]["field"] == "code"


def test_422_business_rule(api):
    body = _problem(
        api.post("/api/v1/products", json={"definition": {"sku": "X"}}), 422, "invalid_catalog"
    )
    assert body["errors"]


def test_500_hides_internals(app, api):
    def explode():
        raise RuntimeError("secret internal detail: password=hunter2")

    app.add_url_rule("/boom", "boom", explode)
    body = _problem(api.get("/boom"), 500, "internal_error")
    assert "hunter2" not in str(body)


def test_503_when_the_database_is_locked(app, api):
    def locked():
        raise OperationalError("INSERT INTO orders ...", {}, Exception("database is locked"))

    app.add_url_rule("/locked", "locked", locked)
    response = api.get("/locked")
    body = _problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert "INSERT" not in str(body) and "locked" not in body["detail"]


@pytest.mark.parametrize("request_id", ["abc-123", None])
def test_request_id_is_echoed_or_assigned(api, request_id):
    headers = {"X-Request-ID": request_id} if request_id else {}
    response = api.get("/api/v1/products/424242", headers=headers)
    assert response.get_json()["request_id"] == response.headers["X-Request-ID"]
    if request_id:
        assert response.headers["X-Request-ID"] == request_id
