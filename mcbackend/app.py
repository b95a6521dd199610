"""The application factory."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import redis
import structlog
from flask import Flask, g, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mcbackend.adapters.database import Database
from mcbackend.adapters.storage import LocalFileStorage
from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.adapters.versioned_cache import VersionedCache
from mcbackend.api import init_api
from mcbackend.api.base import KEY_CACHE_ENTRIES, KEY_CACHE_TTL_S
from mcbackend.api.problems import problem_response, register_problem_handlers
from mcbackend.api.rate_limits import init_rate_limits
from mcbackend.api.tracking import (
    TRACKED_TOKEN_TTL_S,
    TRACKING_CACHE_ENTRIES,
    TRACKING_CACHE_TTL_S,
)
from mcbackend.config import instance_secret, load_config
from mcbackend.logs import configure_logging, init_access_log
from mcbackend.metrics import init_metrics
from mcbackend.web import init_web

_REQUEST_ID_HEADER = "X-Request-ID"

log = structlog.get_logger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, API, error handlers. Nothing runs at import."""
    app = Flask(__name__)
    app.config.update(load_config(config))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.config["FILES_DIR"]).parent)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    app.extensions["mcbackend.db"] = Database(
        app.config["DATABASE_URL"], echo=bool(app.config["SQL_ECHO"])
    )
    app.extensions["mcbackend.storage"] = LocalFileStorage(app.config["FILES_DIR"])
    app.extensions["mcbackend.tasks"] = _make_tasks(app)
    app.extensions["mcbackend.key_cache"] = VersionedCache(KEY_CACHE_ENTRIES, KEY_CACHE_TTL_S)
    app.extensions["mcbackend.tracking_cache"] = VersionedCache(
        TRACKING_CACHE_ENTRIES, TRACKING_CACHE_TTL_S
    )
    app.extensions["mcbackend.tracked_tokens"] = VersionedCache(
        TRACKING_CACHE_ENTRIES, TRACKED_TOKEN_TTL_S
    )
    init_access_log(app)  # first, so its clock starts before any other hook
    init_metrics(app)  # GET /metrics, outside the API and its spec
    init_api(app)
    # After the Api: ours replace flask-smorest's default HTTPException handler.
    register_problem_handlers(app)
    init_web(app)  # the customer's HTML tracking page, outside the API and its spec
    init_rate_limits(app)
    _register_request_id(app)
    _register_health(app)
    _start_outbox_dispatcher(app)
    return app


def _make_tasks(app: Flask) -> Any:
    """Celery when a broker is configured, else the embedded thread pool."""
    if app.config["BROKER_URL"]:
        from mcbackend.adapters.celery_tasks import CeleryTasks, make_celery

        return CeleryTasks(make_celery(app.config))
    return InProcessTasks(
        workers=int(app.config["TASK_WORKERS"]), eager=bool(app.config["TASKS_EAGER"])
    )


def _register_request_id(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get(_REQUEST_ID_HEADER, "")
        # Accept a caller's id only if it is short and printable; it ends up in logs.
        ok = 0 < len(incoming) <= 128 and incoming.isprintable()
        g.request_id = incoming if ok else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        response.headers[_REQUEST_ID_HEADER] = g.get("request_id", "")
        return response


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """Readiness: the database answers and, with Celery, the broker does."""
        checks = {"database": _database_ready(app)}
        if app.config["BROKER_URL"]:
            checks["broker"] = _broker_ready(app.config["BROKER_URL"])
        failed = sorted(name for name, state in checks.items() if state != "ok")
        if failed:
            return problem_response(
                503,
                "not_ready",
                "Service Unavailable",
                f"unreachable: {', '.join(failed)}",
                extra={"checks": checks},
            )
        return {"status": "ok", **checks}


def _database_ready(app: Flask) -> str:
    try:
        with app.extensions["mcbackend.db"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("readiness: database unreachable", exc_info=True)
        return "unreachable"
    return "ok"


def _broker_ready(url: str) -> str:
    """Redis ``PING`` with a short timeout, so a probe never hangs on a dead broker."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        log.warning("readiness: broker unreachable", exc_info=True)
        return "unreachable"
    finally:
        client.close()
    return "ok"


def _start_outbox_dispatcher(app: Flask) -> None:
    """The embedded worker sends webhooks and e-mails in the background (not under tests,
    which run the dispatcher themselves; ``MC_WEBHOOKS_POLL_S=0`` turns it off). With a
    broker, Celery beat schedules the pass on the workers instead."""
    interval = float(app.config["WEBHOOKS_POLL_S"])
    if app.testing or interval <= 0 or app.config["BROKER_URL"]:
        return
    from mcbackend.adapters.poller import Poller
    from mcbackend.services.delivery import DispatchSettings
    from mcbackend.services.outbox_dispatch import dispatch

    settings = DispatchSettings.from_config(app.config)
    factory = app.extensions["mcbackend.db"].session_factory
    app.extensions["mcbackend.dispatcher"] = Poller(
        "mcbackend-dispatcher", interval, lambda: dispatch(factory, settings)
    ).start()
