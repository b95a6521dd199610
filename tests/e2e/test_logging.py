"""Structured logs: every line is JSON, one access line per request with the request id and
route template; API keys and tracking tokens never reach a log."""

import json
import logging

from tests.e2e.orders_helpers import confirmed_sofa


def test_access_lines_are_json_with_request_id_and_no_secrets(api, seeded_db, capsys):
    order = confirmed_sofa(api)
    token = order["tracking_token"]
    capsys.readouterr()  # only the lines of the requests below

    api.get("/api/v1/tenant", headers={"X-Request-ID": "req-authenticated"})
    anonymous = api.with_key(None)
    anonymous.get(f"/api/v1/track/{token}", headers={"X-Request-ID": "req-tracking"})
    anonymous.get(f"/t/{token}", headers={"X-Request-ID": "req-page"})
    logging.getLogger("some.library").warning("a library speaks")

    captured = capsys.readouterr().err
    assert seeded_db.admin_key not in captured
    assert token not in captured
    lines = [json.loads(line) for line in captured.splitlines() if line.strip()]
    access = {line["request_id"]: line for line in lines if line["event"] == "request"}

    authenticated = access["req-authenticated"]
    assert authenticated["route"] == "/api/v1/tenant" and authenticated["status"] == 200
    assert authenticated["method"] == "GET" and authenticated["duration_ms"] >= 0
    assert authenticated["tenant"] == "atelier-nord"
    assert seeded_db.admin_key.startswith(f"mck_{authenticated['key_prefix']}_")
    assert access["req-tracking"]["route"] == "/api/v1/track/<string:token>"
    assert access["req-page"]["route"] == "/t/<string:token>"
    assert "tenant" not in access["req-tracking"]
    library = [line for line in lines if line["logger"] == "some.library"]
    assert library[0]["level"] == "warning" and library[0]["event"] == "a library speaks"


def test_an_unmatched_path_logs_no_path(api, capsys):
    capsys.readouterr()
    api.with_key(None).get("/api/v1/track/secret-token/nowhere")
    captured = capsys.readouterr().err
    assert "secret-token" not in captured
    (line,) = [json.loads(x) for x in captured.splitlines() if '"request"' in x]
    assert line["route"] is None and line["status"] == 404
