"""``Idempotency-Key`` support for POST views (see services/idempotency.py)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import Response, make_response, request

from mcbackend.api.base import unit_of_work
from mcbackend.domain.errors import FieldProblem, InvalidInput
from mcbackend.services import idempotency

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
_REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
_HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": "Makes the request safe to retry: a retry with the same key and body "
    "returns the first response; the same key with another body is a 422.",
}


def _fingerprint() -> str:
    body = request.get_data()
    # The same JSON with other whitespace or key order is the same request.
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    head = f"{request.method} {request.path}\n".encode()
    return hashlib.sha256(head + body).hexdigest()


def idempotent(func: F) -> F:
    """Honour an Idempotency-Key header. Put it under @requires and above @blp.arguments."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return func(*args, **kwargs)
        if not 0 < len(key) <= idempotency.MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(
                f"{HEADER} must be 1-{idempotency.MAX_KEY_LENGTH} printable characters",
                errors=[FieldProblem(f"header.{HEADER}", "invalid", "bad idempotency key")],
            )
        with unit_of_work() as uow:
            stored = idempotency.claim(uow, key, _fingerprint())
        if stored is not None:
            response = Response(stored.body, status=stored.status, headers=stored.headers)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = make_response(func(*args, **kwargs))
        except Exception:
            _release(key)
            raise
        if response.status_code >= 500:
            _release(key)
            return response
        kept = {h: response.headers[h] for h in _REPLAYED_HEADERS if h in response.headers}
        with unit_of_work() as uow:
            idempotency.complete(
                uow,
                key,
                idempotency.StoredResponse(
                    response.status_code, kept, response.get_data(as_text=True)
                ),
            )
        return response

    wrapper._apidoc = deepcopy(getattr(func, "_apidoc", {}))  # type: ignore[attr-defined]
    manual = wrapper._apidoc.setdefault("manual_doc", {})  # type: ignore[attr-defined]
    manual.setdefault("parameters", []).append(_HEADER_DOC)
    return wrapper  # type: ignore[return-value]


def _release(key: str) -> None:
    with unit_of_work() as uow:
        idempotency.release(uow, key)
