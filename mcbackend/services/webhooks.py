"""Use cases for webhooks: registering endpoints, planning and sending deliveries, the
delivery log and replays.

A request carries the outbox event's payload as its body and Standard Webhooks headers:
``webhook-id`` (``evt_<event id>``: the same on every retry and replay, so receivers can
drop duplicates), ``webhook-timestamp`` and ``webhook-signature``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from mcbackend.adapters import orm, webhook_sender
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.adapters.webhook_sender import SendResult
from mcbackend.domain import webhooks as rules
from mcbackend.domain.errors import InvalidInput
from mcbackend.services.delivery import DispatchSettings, claim_due, record_failure

# After a rotation the old secret signs beside the new one this long, so receivers can switch.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_REPLAY = 1000


# --- endpoints ---------------------------------------------------------------------------


def create_endpoint(
    uow: UnitOfWork, data: dict[str, Any], target_policy: rules.TargetPolicy
) -> orm.WebhookEndpoint:
    """Register an endpoint; its new secret is on the returned row (show it once)."""
    rules.parse_target(data["url"], target_policy)
    endpoint = uow.webhook_endpoints.add(
        orm.WebhookEndpoint(
            url=data["url"],
            description=data.get("description", ""),
            event_types=sorted(set(data.get("event_types", []))),
            active=data.get("active", True),
            secret=rules.generate_secret(),
        )
    )
    uow.commit()
    return endpoint


def update_endpoint(
    uow: UnitOfWork, endpoint_id: int, data: dict[str, Any], target_policy: rules.TargetPolicy
) -> orm.WebhookEndpoint:
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    if "url" in data:
        rules.parse_target(data["url"], target_policy)
        endpoint.url = data["url"]
    if "event_types" in data:
        endpoint.event_types = sorted(set(data["event_types"]))
    for name in ("description", "active"):
        if name in data:
            setattr(endpoint, name, data[name])
    uow.commit()
    return endpoint


def rotate_secret(uow: UnitOfWork, endpoint_id: int, now: datetime) -> orm.WebhookEndpoint:
    """A new signing secret; the old one keeps signing beside it for ``ROTATION_OVERLAP``."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = rules.generate_secret()
    uow.commit()
    return endpoint


def delete_endpoint(uow: UnitOfWork, endpoint_id: int) -> None:
    """Remove an endpoint with its delivery log."""
    uow.webhook_endpoints.delete(uow.webhook_endpoints.get(endpoint_id))
    uow.commit()


# --- the delivery log --------------------------------------------------------------------


def list_deliveries(
    uow: UnitOfWork, endpoint_id: int, page: int, page_size: int, status: str | None
) -> tuple[Sequence[orm.WebhookDelivery], int]:
    uow.webhook_endpoints.get(endpoint_id)
    criteria = [orm.WebhookDelivery.endpoint_id == endpoint_id]
    if status:
        criteria.append(orm.WebhookDelivery.status == status)
    return uow.webhook_deliveries.page(
        page, page_size, *criteria, order_by=orm.WebhookDelivery.id.desc()
    )


def list_events(
    uow: UnitOfWork, page: int, page_size: int, event_type: str | None, order_id: int | None
) -> tuple[Sequence[orm.OutboxEvent], int]:
    criteria = []
    if event_type:
        criteria.append(orm.OutboxEvent.type == event_type)
    if order_id is not None:
        criteria.append(orm.OutboxEvent.order_id == order_id)
    return uow.outbox.page(page, page_size, *criteria, order_by=orm.OutboxEvent.id.desc())


def attempts_of(uow: UnitOfWork, delivery_id: int) -> Sequence[orm.WebhookAttempt]:
    return uow.webhook_attempts.list(
        orm.WebhookAttempt.delivery_id == delivery_id, order_by=orm.WebhookAttempt.id
    )


def replay_delivery(uow: UnitOfWork, delivery_id: int, now: datetime) -> orm.WebhookDelivery:
    """Send a delivery again as soon as the dispatcher runs, whatever its state."""
    delivery = uow.webhook_deliveries.get(delivery_id)
    _reset(delivery, now)
    uow.commit()
    return delivery


def replay_events(
    uow: UnitOfWork,
    endpoint_id: int,
    now: datetime,
    *,
    event_ids: Sequence[int] = (),
    since: datetime | None = None,
) -> int:
    """Queue the given events (or every event since a time) for one endpoint again, including
    events from before it existed or while it was inactive; returns how many."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    if not event_ids and since is None:
        raise InvalidInput("give event_ids or since", code="nothing_to_replay")
    criteria = []
    if event_ids:
        criteria.append(orm.OutboxEvent.id.in_(event_ids))
    if since is not None:
        criteria.append(orm.OutboxEvent.created_at >= since)
    found = uow.outbox.list(*criteria)[:MAX_REPLAY]
    events = [e for e in found if rules.wants(endpoint.event_types, e.type)]
    existing = {
        d.event_id: d
        for d in uow.webhook_deliveries.list(
            orm.WebhookDelivery.endpoint_id == endpoint.id,
            orm.WebhookDelivery.event_id.in_([e.id for e in events]),
        )
    }
    for event in events:
        delivery = existing.get(event.id) or uow.webhook_deliveries.add(
            _new_delivery(endpoint, event, now)
        )
        _reset(delivery, now)
    uow.commit()
    return len(events)


def _reset(delivery: orm.WebhookDelivery, now: datetime) -> None:
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now


def _new_delivery(
    endpoint: orm.WebhookEndpoint, event: orm.OutboxEvent, now: datetime
) -> orm.WebhookDelivery:
    return orm.WebhookDelivery(
        tenant_id=event.tenant_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        event_type=event.type,
        status="pending",
        attempts=0,
        next_attempt_at=now,
    )


# --- dispatching -------------------------------------------------------------------------


def active_endpoints(
    uow: UnitOfWork, tenant_ids: Iterable[int]
) -> dict[int, list[orm.WebhookEndpoint]]:
    """The active endpoints of these tenants, by tenant: one query for a fan-out batch
    instead of one per event."""
    by_tenant: dict[int, list[orm.WebhookEndpoint]] = defaultdict(list)
    stmt = select(orm.WebhookEndpoint).where(
        orm.WebhookEndpoint.tenant_id.in_(set(tenant_ids)),
        orm.WebhookEndpoint.active.is_(True),
    )
    for endpoint in uow.session.scalars(stmt):
        by_tenant[endpoint.tenant_id].append(endpoint)
    return by_tenant


def plan_deliveries(
    uow: UnitOfWork,
    event: orm.OutboxEvent,
    endpoints: Sequence[orm.WebhookEndpoint],
    now: datetime,
) -> int:
    """One pending delivery per active endpoint of the event's tenant (``endpoints``, from
    `active_endpoints`) that wants it and existed when it happened (inside the dispatcher's
    fan-out transaction)."""
    wanted = [
        e
        for e in endpoints
        if e.tenant_id == event.tenant_id
        and e.created_at <= event.created_at
        and rules.wants(e.event_types, event.type)
    ]
    for endpoint in wanted:
        uow.session.add(_new_delivery(endpoint, event, now))
    return len(wanted)


@dataclass(frozen=True)
class _Request:
    delivery_id: int
    tenant_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def signature_headers(
    msg_id: str, body: str, now: datetime, secrets: Sequence[str]
) -> dict[str, str]:
    """Standard Webhooks headers; one ``v1,`` signature per active secret."""
    signatures = " ".join(Webhook(secret).sign(msg_id, now, body) for secret in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }


def send_due(
    session_factory: sessionmaker[Session],
    settings: DispatchSettings,
    now: datetime,
    *,
    send: Callable[..., SendResult] | None = None,
) -> tuple[int, int]:
    """Claim the due deliveries, POST each one, record every attempt; returns (succeeded,
    failed). A request never runs inside a database transaction."""
    send = send or webhook_sender.post
    with UnitOfWork(session_factory) as uow:
        requests = []
        for delivery in claim_due(uow, orm.WebhookDelivery, settings, now):
            endpoint = uow.session.get(orm.WebhookEndpoint, delivery.endpoint_id)
            event = uow.session.get(orm.OutboxEvent, delivery.event_id)
            body = json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False)
            secrets = [endpoint.secret]
            expires = endpoint.previous_secret_expires_at
            if endpoint.previous_secret and expires is not None and expires > now:
                secrets.append(endpoint.previous_secret)
            requests.append(
                _Request(
                    delivery.id,
                    delivery.tenant_id,
                    endpoint.url,
                    body.encode(),
                    signature_headers(f"evt_{event.id}", body, now, secrets),
                )
            )
        uow.commit()
    succeeded = failed = 0
    for request in requests:
        result = send(
            request.url,
            request.body,
            request.headers,
            timeout=settings.timeout_s,
            policy=settings.target_policy,
        )
        _record(session_factory, settings, request, result, now)
        succeeded, failed = (succeeded + 1, failed) if result.ok else (succeeded, failed + 1)
    return succeeded, failed


def _record(
    session_factory: sessionmaker[Session],
    settings: DispatchSettings,
    request: _Request,
    result: SendResult,
    now: datetime,
) -> None:
    with UnitOfWork(session_factory, request.tenant_id) as uow:
        delivery = uow.webhook_deliveries.find(request.delivery_id, for_update=True)
        if delivery is None:  # the endpoint was deleted meanwhile
            return
        number = 1 + (
            uow.session.scalar(
                select(func.count()).where(orm.WebhookAttempt.delivery_id == delivery.id)
            )
            or 0
        )
        uow.webhook_attempts.add(
            orm.WebhookAttempt(
                delivery_id=delivery.id,
                number=number,
                at=now,
                status_code=result.status_code,
                error=result.error,
                response_ms=result.response_ms,
            )
        )
        delivery.last_status_code = result.status_code
        delivery.last_response_ms = result.response_ms
        if result.ok:
            delivery.attempts += 1
            delivery.status = "succeeded"
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = None
        else:
            record_failure(delivery, settings, result.error or "failed", now)
        uow.commit()
