"""Rate limits (Flask-Limiter): per API key, and per tracking token on the customer's links.

A request with an API key counts against its key (by the key's public prefix, never the
secret); a tracking link counts against its token (by a digest, never the token itself);
anything else against the client address. Counters live in memory, or in Redis when
``MC_RATELIMIT_STORAGE_URL`` is set, which several gunicorn workers then share.
"""

from __future__ import annotations

import hashlib

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from mcbackend.api.problems import problem_response
from mcbackend.domain.auth import split_api_key

_TOKEN_PATHS = ("/api/v1/track/", "/t/")
_UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")


def _is_token_request() -> bool:
    return request.path.startswith(_TOKEN_PATHS) and "token" in (request.view_args or {})


def _client_key() -> str:
    if _is_token_request():
        token = (request.view_args or {})["token"]
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    presented = credentials if scheme.lower() == "bearer" else request.headers.get("X-API-Key")
    parts = split_api_key(presented) if presented else None
    if parts:
        return "key:" + parts[0]
    return "addr:" + (request.remote_addr or "unknown")


def _too_many_requests(error: RateLimitExceeded):
    limit = error.limit.limit if error.limit else None
    window = limit.get_expiry() if limit else 60
    return problem_response(
        429,
        "too_many_requests",
        "Too Many Requests",
        f"rate limit exceeded ({error.description}); retry after {window} seconds",
        headers={"Retry-After": str(window)},
    )


def init_rate_limits(app: Flask) -> Limiter:
    """Limits are on unless configured off; under tests they are off unless asked for."""
    enabled = app.config["RATE_LIMIT_ENABLED"]
    limiter = Limiter(
        _client_key,
        application_limits=[
            lambda: app.config[
                "RATE_LIMIT_TOKEN" if _is_token_request() else "RATE_LIMIT_DEFAULT"
            ]
        ],
        application_limits_exempt_when=lambda: request.path.startswith(_UNLIMITED_PATHS),
        storage_uri=app.config["RATELIMIT_STORAGE_URL"] or "memory://",
        headers_enabled=True,
        key_prefix="mcbackend",
        enabled=not app.testing if enabled is None else bool(enabled),
    )
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    return limiter
