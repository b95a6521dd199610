"""Idempotent POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

A request with an ``Idempotency-Key`` first claims the key in its own short transaction.
A retry with the same key and body gets the stored response; the same key with another body
is a 422; a retry that races the first attempt is a 409. Failed attempts (5xx) release the
key so the client can retry; a claim that never finished stays locked, because the first
attempt may have created something and creating it twice is worse than refusing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from mcbackend.adapters import orm
from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.errors import BusinessRuleViolation, Conflict

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: str


def claim(uow: UnitOfWork, key: str, fingerprint: str) -> StoredResponse | None:
    """Claim ``key`` for a new request, or return the response of an earlier one."""
    uow.idempotency.add(orm.IdempotencyRecord(key=key, fingerprint=fingerprint, state="processing"))
    try:
        uow.commit()
        return None
    except IntegrityError:
        uow.session.rollback()  # the key exists: look at what it was used for
    existing = uow.idempotency.by_key(key)
    if existing.fingerprint != fingerprint:
        raise BusinessRuleViolation(
            "this Idempotency-Key was already used for a different request",
            code="idempotency_key_reused",
        )
    if existing.state != "completed":
        raise Conflict(
            "a request with this Idempotency-Key is still being processed; retry later",
            code="idempotency_request_in_progress",
        )
    return StoredResponse(
        existing.response_status or 200,
        dict(existing.response_headers or {}),
        existing.response_body or "",
    )


def complete(
    uow: UnitOfWork, key: str, response: StoredResponse, now: datetime | None = None
) -> None:
    record = uow.idempotency.by_key(key)
    record.state = "completed"
    record.response_status = response.status
    record.response_headers = response.headers
    record.response_body = response.body
    record.completed_at = now or utcnow()
    uow.commit()


def release(uow: UnitOfWork, key: str) -> None:
    """Forget a claim whose request failed without changing anything."""
    uow.idempotency.delete(uow.idempotency.by_key(key))
    uow.commit()
