"""A real HTTP receiver for webhook tests, the dispatcher settings they use, and the ids the
tenant isolation test needs."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mcbackend.domain.webhooks import TargetPolicy, parse_networks
from mcbackend.services.delivery import DispatchSettings

LOOPBACK = ["127.0.0.0/8"]


def settings(**overrides) -> DispatchSettings:
    """No jitter, loopback allowed, short timeouts: deterministic retry times."""
    values = {
        "jitter": 0.0,
        "timeout_s": 2.0,
        "target_policy": TargetPolicy(parse_networks(LOOPBACK)),
        **overrides,
    }
    return DispatchSettings(**values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST (headers and raw body)."""

    def __init__(self, port: int | None = None, status: int = 204) -> None:
        self.port = port or free_port()
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for headers, _ in self.received]

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


def webhook_ids(api) -> dict[str, int]:
    """An endpoint, one of its deliveries and an event of the API client's tenant (which
    must have placed an order)."""
    endpoint = api.post("/api/v1/webhook-endpoints", json={"url": "https://example.com/hooks"})
    assert endpoint.status_code == 201, endpoint.get_json()
    endpoint_id = endpoint.get_json()["id"]
    event_id = api.get("/api/v1/events").get_json()[0]["id"]
    replay = api.post(f"/api/v1/webhook-endpoints/{endpoint_id}/replay",
                      json={"event_ids": [event_id]})
    assert replay.get_json() == {"replayed": 1}, replay.get_json()
    deliveries = api.get(f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries").get_json()
    return {"endpoint_id": endpoint_id, "delivery_id": deliveries[0]["id"], "event_id": event_id}
