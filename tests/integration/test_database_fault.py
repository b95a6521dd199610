"""The database goes away and comes back: requests fail cleanly, then recover without a
restart. A small TCP proxy in front of PostgreSQL plays the network that breaks."""

import contextlib
import socket
import threading

import pytest
from sqlalchemy.engine import make_url

from mcbackend.adapters import database
from mcbackend.app import create_app


class Proxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops every connection and refuses
    new ones until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open.clear()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxied_app(seeded_db, backend, tmp_path):
    if backend != "postgres":
        pytest.skip("a network between the service and its database exists only for PostgreSQL")
    url = make_url(seeded_db.url)
    proxy = Proxy((url.host, url.port or 5432))
    app = create_app({
        "DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False),
        "TESTING": True,
        "FILES_DIR": str(tmp_path / "files"),
    })
    yield app, proxy
    proxy.close()
    app.extensions["mcbackend.db"].dispose()


def test_requests_fail_cleanly_then_recover(proxied_app, seeded_db):
    app, proxy = proxied_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded_db.admin_key}"}
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    proxy.cut()
    down = client.get("/api/v1/products", headers=headers)
    assert down.status_code == 503
    assert down.get_json()["code"] == "database_unavailable"
    assert down.headers["Retry-After"] == "1"
    assert down.mimetype == "application/problem+json"
    assert "psycopg" not in down.get_data(as_text=True).lower()
    assert client.get("/readyz").status_code == 503
    proxy.restore()
    # The failure invalidated the pool; the next request connects afresh: no restart needed.
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    assert client.get("/readyz").status_code == 200


def test_an_idle_connection_is_pinged_and_replaced(proxied_app, seeded_db, monkeypatch):
    app, proxy = proxied_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded_db.admin_key}"}
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    proxy.cut()
    proxy.restore()
    # Every pooled connection counts as idle: the dead one fails its ping and is replaced
    # before the request uses it, so no request fails.
    monkeypatch.setattr(database, "IDLE_PING_AFTER_S", 0.0)
    assert client.get("/api/v1/products", headers=headers).status_code == 200
