def test_openapi_document_is_3_1_with_summaries_and_security(app):
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert spec["security"] == [{"ApiKey": []}]
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        assert op.get("summary"), f"{method.upper()} {path} has no summary"
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert "application/problem+json" in problem


def test_docs_page_is_served(app):
    response = app.test_client().get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_health_endpoints(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "ok"
