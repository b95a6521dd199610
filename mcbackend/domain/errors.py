"""Errors raised by domain code and services.

Each error carries the HTTP status it maps to, a stable machine-readable ``code`` and,
where it concerns particular fields, a list of :class:`FieldProblem`. The API layer turns
them into RFC 9457 problem documents; nothing here knows about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one place in the input (``field`` is a dotted path or pointer)."""

    field: str
    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.data:
            out.update(self.data)
        return out


class MCError(Exception):
    """Base class: an expected failure that the client can act on."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = list(errors or [])
        self.extra = dict(extra or {})


class InvalidInput(MCError):
    """The request is malformed: wrong shape, type or syntax (400)."""

    status = 400
    code = "invalid_input"
    title = "Invalid input"


class Unauthenticated(MCError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(MCError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(MCError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(MCError):
    """Wrong state, stale version or duplicate key (409)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class BusinessRuleViolation(MCError):
    """Well-formed input that breaks a business rule (422)."""

    status = 422
    code = "rule_violation"
    title = "Business rule violated"
