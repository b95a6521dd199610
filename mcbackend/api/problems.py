"""RFC 9457 problem details: one JSON shape for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from mcbackend.domain.errors import FieldProblem, MCError

PROBLEM_MEDIA_TYPE = "application/problem+json"
_RESERVED = frozenset(
    {"type", "title", "status", "detail", "code", "instance", "errors", "request_id", "context"}
)
log = logging.getLogger(__name__)

# Stable codes for HTTP errors raised by Flask/Werkzeug themselves.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def problem_type(code: str) -> str:
    # A stable, non-dereferenceable URI per problem code (RFC 9457 §3.1.1 allows URNs).
    return f"urn:mcbackend:problem:{code}"


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [e.to_dict() for e in errors]
    if extra:
        # Extension members (RFC 9457 §3.2) never replace the standard ones.
        clashing = {k: v for k, v in extra.items() if k in body or k in _RESERVED}
        body.update({k: v for k, v in extra.items() if k not in clashing})
        if clashing:
            body["context"] = clashing
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_mc_error(error: MCError) -> Response:
    return problem_response(
        error.status, error.code, error.title, error.detail, error.errors, error.extra
    )


def http_exception_problem(error: HTTPException) -> Response:
    status = error.code or 500
    # flask-smorest's abort() may carry field errors; we raise our own errors instead, but
    # keep whatever a library passed along.
    data = getattr(error, "data", None) or {}
    errors = flatten_field_errors(data.get("errors") or data.get("messages") or {})
    detail = error.description or error.name
    headers = {}
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        detail = f"{request.method} is not allowed here; use {headers['Allow']}"
    if status == 404:
        detail = f"no resource at {request.path}"
    return problem_response(
        status, _HTTP_CODES.get(status, "http_error"), error.name, detail, errors, headers=headers
    )


def _from_database_unavailable(error: Exception) -> Response:
    """The database is unreachable, locked (SQLite) or the pool is exhausted: nothing was
    written, and the same request may succeed a moment later."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                type(error).__name__)
    return problem_response(
        503,
        "database_unavailable",
        "Database unavailable",
        "The database could not serve this request; nothing was changed. Retry shortly.",
        headers={"Retry-After": "1"},
    )


def _from_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(
        500,
        "internal_error",
        "Internal server error",
        "The server failed to handle this request. It has been logged; please retry later.",
    )


def flatten_field_errors(messages: Any, prefix: str = "") -> list[FieldProblem]:
    """marshmallow's nested ``{field: [msg]}`` dicts → a flat list with dotted paths."""
    out: list[FieldProblem] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            out.extend(flatten_field_errors(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend(FieldProblem(prefix, _code_for(m), m) for m in messages)
    elif isinstance(messages, list):
        for item in messages:
            out.extend(flatten_field_errors(item, prefix))
    elif isinstance(messages, str):
        out.append(FieldProblem(prefix, _code_for(messages), messages))
    return out


_MESSAGE_CODES = {
    "Unknown field.": "unknown_field",
    "Missing data for required field.": "required",
    "Field may not be null.": "null",
}


def _code_for(message: str) -> str:
    if message in _MESSAGE_CODES:
        return _MESSAGE_CODES[message]
    if message.startswith("Not a valid"):
        return "invalid_type"
    if message.startswith("Must be one of"):
        return "invalid_choice"
    if message.startswith(("Must be greater", "Must be less", "Must be at")):
        return "out_of_range"
    if message.startswith(("Length must", "Shorter than", "Longer than")):
        return "invalid_length"
    return "invalid"


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(MCError, _from_mc_error)
    app.register_error_handler(HTTPException, http_exception_problem)
    for database_error in (
        sa_exc.OperationalError,
        sa_exc.InterfaceError,
        sa_exc.DisconnectionError,
        sa_exc.TimeoutError,
    ):
        app.register_error_handler(database_error, _from_database_unavailable)
    app.register_error_handler(Exception, _from_unexpected)
