"""What every blueprint shares: the Api, a Blueprint whose parser raises problem errors,
a strict base schema, authentication and the request's unit of work."""

from __future__ import annotations

import http
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, NoReturn, TypeVar

import flask_smorest
import marshmallow as ma
from flask import current_app, g, request
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.spec import prepare_response
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter, Map

from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.api.problems import (
    PROBLEM_MEDIA_TYPE,
    flatten_field_errors,
    http_exception_problem,
)
from mcbackend.domain.auth import Principal, Role, hash_secret, split_api_key
from mcbackend.domain.errors import Forbidden, InvalidInput, Unauthenticated
from mcbackend.services import tenants

F = TypeVar("F", bound=Callable[..., Any])

_LOCATION_NAMES = {"json": "body", "query": "query", "headers": "header", "view_args": "path"}

# What the database's integer columns hold; a larger id or amount is invalid input, not a 500.
INT64 = ma.validate.Range(min=-(2**63), max=2**63 - 1)


class Schema(ma.Schema):
    """Base for request schemas: unknown fields are an error, never silently dropped, and
    integers must fit the database (the bound shows in the spec as minimum/maximum)."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        _bound_integers(field_obj)


def _bound_integers(field: ma.fields.Field) -> None:
    if isinstance(field, ma.fields.Integer):
        field.validators.append(INT64)
    elif isinstance(field, ma.fields.List):
        _bound_integers(field.inner)
    elif isinstance(field, ma.fields.Tuple):
        for inner in field.tuple_fields:
            _bound_integers(inner)
    elif isinstance(field, ma.fields.Dict) and field.value_field is not None:
        _bound_integers(field.value_field)


class IdConverter(IntegerConverter):
    """``<int:…>`` path ids: non-negative and within 64 bits, so a larger one is a 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only)."""

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "Human-readable explanation"})
    code = ma.fields.String(metadata={"description": "Stable machine-readable code"})
    instance = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Field-level problems: {field, code, message, ...}"},
    )


class ProblemParser(FlaskParser):
    """Turns webargs/marshmallow errors into our 400 InvalidInput with field paths."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers) -> NoReturn:
        problems = []
        for location, messages in error.messages.items():
            problems.extend(flatten_field_errors(messages, _LOCATION_NAMES.get(location, location)))
        raise InvalidInput("the request does not match the expected schema", errors=problems)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs) -> NoReturn:
        raise InvalidInput("the request body is not valid JSON", code="malformed_json")


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ProblemParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 200}
    PAGINATION_ARGUMENTS_PARSER = ProblemParser()

    def arguments(self, schema, *args, **kwargs):
        # webargs builds a schema class anew, nested schemas and all, on every request; one
        # instance per view is enough (loading keeps no state on the schema).
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):  # one JSON shape for every error
        return http_exception_problem(error)

    def _register_responses(self) -> None:
        # As flask-smorest does, but errors are documented as application/problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_pagination_header(self) -> None:
        # The header's value is a JSON document: OpenAPI says so with `content`, not `schema`
        # (a `schema` would describe the raw header string as an object).
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata (a JSON object)",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


def utcnow() -> datetime:
    """The time a request acts at; services take it as a value and never read the clock."""
    return datetime.now(UTC)


def session_factory():
    return current_app.extensions["mcbackend.db"].session_factory


def unit_of_work() -> UnitOfWork:
    """A unit of work bound to the caller's tenant. The request's first one continues the
    session authentication opened, so a request checks out one pooled connection."""
    return UnitOfWork(_request_session, current_principal().tenant_id)


def _request_session() -> Session:
    return g.pop("auth_session", None) or session_factory()()


def close_unused_session(_error: BaseException | None = None) -> None:
    """Teardown: the session authentication opened, if no unit of work took it over."""
    if (session := g.pop("auth_session", None)) is not None:
        session.close()


def anonymous_unit_of_work() -> UnitOfWork:
    """A unit of work not yet bound to a tenant (customer links find their tenant)."""
    return UnitOfWork(session_factory())


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:  # a view forgot @requires: fail closed
        raise Unauthenticated("authentication required")
    return principal


def _presented_key() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if key := request.headers.get("X-API-Key"):
        return key
    raise Unauthenticated(
        "send an API key as 'Authorization: Bearer <key>'", code="missing_api_key"
    )


# Keys this process authenticated in the last few seconds are not looked up again; a revoked
# key stops working at once in the process that revoked it, within KEY_CACHE_TTL_S elsewhere.
KEY_CACHE_ENTRIES = 256
KEY_CACHE_TTL_S = 2.0


def _authenticated(presented: str) -> Principal:
    cache = current_app.extensions["mcbackend.key_cache"]
    # Keyed by the key's prefix, valid for its secret's hash only; a malformed key never hits
    # and fails in authenticate().
    prefix, secret = split_api_key(presented) or ("", "")
    secret_hash = hash_secret(secret)
    if (principal := cache.get(prefix, secret_hash)) is not None:
        return principal
    with UnitOfWork(session_factory()) as uow:
        principal = tenants.authenticate(uow, presented)
        g.auth_session = uow.hand_over()
    cache.put(prefix, secret_hash, principal)
    return principal


def forget_key(prefix: str) -> None:
    """Drop a revoked key from this process's cache of authenticated keys."""
    current_app.extensions["mcbackend.key_cache"].forget(prefix)


def requires(*roles: Role) -> Callable[[F], F]:
    """Authenticate the caller and require one of ``roles`` (admins may do everything)."""
    allowed = frozenset(roles)

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticated(_presented_key())
            if not principal.has_any(allowed):
                raise Forbidden(
                    f"this needs one of the roles {sorted(r.value for r in allowed | {Role.ADMIN})}"
                    f"; your key has {principal.role.value!r}",
                    code="insufficient_role",
                )
            g.principal = principal
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


ALL_ROLES = (Role.ADMIN, Role.INTEGRATOR, Role.SHOPFLOOR)


def columns_of(row: Any) -> dict[str, Any]:
    """A table row's column values, for responses that add fields to a stored row."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}
