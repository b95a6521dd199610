"""The configurator through HTTP on the demo catalog."""

import io

import pytest


@pytest.fixture
def products(api) -> dict[str, int]:
    return {p["sku"]: p["id"] for p in api.get("/api/v1/products?page_size=50").get_json()}


def _post(api, product_id, op, body):
    return api.post(f"/api/v1/products/{product_id}/configurator/{op}", json=body)


def test_validate_lists_every_violation_with_codes(api, products):
    response = _post(api, products["SOFA-SECTIONAL"], "validate", {
        "configuration": {"chaise_left": True, "chaise_right": True, "fabric": "nope",
                          "sparkles": 3},
    })
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False and body["version"] == 1
    codes = {v["code"] for v in body["violations"]}
    assert {"unknown_value", "unknown_attribute", "missing_required"} <= codes
    assert any(v.get("rule") == "one-chaise" for v in body["violations"])


def test_completed_configuration_validates(api, products):
    sofa = products["SOFA-SECTIONAL"]
    completed = _post(api, sofa, "complete", {"configuration": {"layout": "l_shape"}}).get_json()
    assert completed["completed"] is True
    check = _post(api, sofa, "validate", {"configuration": completed["configuration"]}).get_json()
    assert check["valid"] is True, check["violations"]


def test_propagate_removes_the_other_chaise(api, products):
    body = _post(api, products["SOFA-SECTIONAL"], "propagate",
                 {"configuration": {"chaise_left": True}}).get_json()
    assert body["completable"] is True
    assert body["attributes"]["chaise_right"]["possible"] == [False]


def test_explain_names_choices_and_rule(api, products):
    body = _post(api, products["SOFA-SECTIONAL"], "explain",
                 {"configuration": {"chaise_left": True, "chaise_right": True}}).get_json()
    assert body["consistent"] is False
    assert {p["id"] for p in body["conflict"]} >= {"chaise_left", "chaise_right"}
    assert "one side" in body["message"]


def test_cheapest_completion_is_not_dearer_than_defaults(api, products):
    shirt = products["SHIRT-MTM"]
    cheapest = _post(api, shirt, "complete",
                     {"configuration": {}, "strategy": "cheapest"}).get_json()
    assert cheapest["completed"] is True or cheapest["needs_input"]


def test_file_references_resolve_to_uploaded_files(api, products):
    hood = products["HOOD-COPPER"]
    definition = api.get(f"/api/v1/products/{hood}").get_json()["definition"]
    file_attr = next(a["code"] for a in definition["attributes"] if a["type"] == "file")
    upload = {"file": (io.BytesIO(b"%PDF-1.4 drawing"), "hood.pdf", "application/pdf")}
    stored = api.client.post("/api/v1/files", data=upload, headers=api._headers(None)).get_json()
    ok = _post(api, hood, "validate", {"configuration": {file_attr: {"file_id": stored["id"]}}})
    assert ok.status_code == 200
    assert not [v for v in ok.get_json()["violations"] if file_attr in v["attributes"]]
    missing = _post(api, hood, "validate", {"configuration": {file_attr: {"file_id": 99999}}})
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["field"] == f"configuration.{file_attr}"


def test_unknown_version_and_bad_strategy(api, products):
    sofa = products["SOFA-SECTIONAL"]
    assert _post(api, sofa, "validate", {"configuration": {}, "version": 9}).status_code == 404
    bad = _post(api, sofa, "complete", {"configuration": {}, "strategy": "random"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "body.strategy"
    assert _post(api, sofa, "validate", {"configuration": []}).status_code == 400


def test_shopfloor_keys_cannot_configure(api, products):
    key = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"}).get_json()
    response = api.with_key(key["key"]).post(
        f"/api/v1/products/{products['SOFA-SECTIONAL']}/configurator/validate",
        json={"configuration": {}},
    )
    assert response.status_code == 403
