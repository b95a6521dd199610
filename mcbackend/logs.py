"""Structured logs: one line per event, JSON by default (``MC_LOG_FORMAT=console`` for humans).

The stdlib ``logging`` records of libraries (gunicorn, SQLAlchemy, Celery) go through the same
processors, so every line has the same shape. Each request logs one access line with its
route template, never the raw path: tracking tokens live in paths, API keys in headers, and
neither may reach a log. Bodies and query strings are not logged either.
"""

from __future__ import annotations

import logging
import sys
import time

import structlog
from flask import Flask, g, request
from werkzeug.wrappers import Response

from mcbackend.domain.auth import split_api_key

access_log = structlog.get_logger("mcbackend.access")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the line (as logging's last-resort
    handler does), so a replaced stderr, e.g. under test capture, receives the logs."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def configure_logging(level: str | int = "INFO", fmt: str = "json") -> None:
    """Route structlog and stdlib logging through one handler on the root logger. Calling it
    again (another app in the same process) replaces that handler, not anyone else's."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "console":
        renderers: list[structlog.typing.Processor] = [structlog.dev.ConsoleRenderer()]
    else:
        renderers = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
        )
    )
    # The lines carry no call site, so logging need not walk the stack for one on every
    # record (one access line per request); the logging HOWTO's "Optimization" switch.
    logging._srcfile = None
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def init_access_log(app: Flask) -> None:
    """One line per request: method, route template, status, duration, request id and, for
    an authenticated caller, the tenant and the key's public prefix."""

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        elapsed = request_elapsed_s()
        principal = g.get("principal")
        fields = {
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": None if elapsed is None else round(elapsed * 1000, 2),
            "request_id": g.get("request_id"),
        }
        if principal is not None:
            fields["tenant"] = principal.tenant_slug
            fields["key_prefix"] = _key_prefix()
        access_log.info("request", **fields)
        return response


def request_elapsed_s() -> float | None:
    """Seconds since the current request started (None before the clock's hook ran)."""
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def _key_prefix() -> str | None:
    """The public part of the presented key (``mck_<prefix>_<secret>``), never the secret."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    presented = credentials if scheme.lower() == "bearer" else request.headers.get("X-API-Key")
    parts = split_api_key(presented) if presented else None
    return parts[0] if parts else None
