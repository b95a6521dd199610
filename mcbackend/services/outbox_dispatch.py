"""The outbox dispatcher: one pass fans new outbox events out to webhook deliveries and
customer e-mails, then sends whatever is due. It takes plain values (a session factory and
settings), so the embedded worker thread, the ``mcbackend webhooks dispatch`` command and a
real task queue run the same code.

At least once: an event is fanned out in one transaction that also marks it dispatched
(``outbox_dispatches``; its primary key keeps two dispatchers from doing it twice), and a due
delivery is claimed with a short lease before it is sent, so a worker that dies mid-send
leaves it to be sent again once the lease runs out. PostgreSQL skips rows another
dispatcher holds (``FOR UPDATE SKIP LOCKED``); SQLite serializes writers anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters import orm
from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services import notifications, webhooks
from mcbackend.services.delivery import DispatchSettings

log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    fanned_out: int = 0
    webhooks_sent: int = 0
    webhooks_failed: int = 0
    emails_sent: int = 0
    emails_failed: int = 0


def dispatch(
    session_factory: sessionmaker[Session],
    settings: DispatchSettings,
    now: datetime | None = None,
    *,
    send_webhook: Callable[..., Any] | None = None,
    send_email: Callable[..., Any] | None = None,
) -> DispatchReport:
    """One pass: fan out every new event, then send what is due at ``now``."""
    now = now or utcnow()
    report = DispatchReport()
    while (count := fan_out(session_factory, settings, now)) > 0:
        report.fanned_out += count
    report.webhooks_sent, report.webhooks_failed = webhooks.send_due(
        session_factory, settings, now, send=send_webhook
    )
    report.emails_sent, report.emails_failed = notifications.send_due(
        session_factory, settings, now, send=send_email
    )
    return report


def fan_out(
    session_factory: sessionmaker[Session], settings: DispatchSettings, now: datetime
) -> int:
    """Turn up to ``settings.batch`` undispatched events into deliveries and e-mails in one
    transaction; returns how many events it took (0 when none are left or another dispatcher
    got them first)."""
    with UnitOfWork(session_factory) as uow:
        dispatched = exists().where(orm.OutboxDispatch.event_id == orm.OutboxEvent.id)
        stmt = (
            select(orm.OutboxEvent)
            .where(~dispatched)
            .order_by(orm.OutboxEvent.id)
            .limit(settings.batch)
            .with_for_update(skip_locked=True, of=orm.OutboxEvent)
        )
        events = list(uow.session.scalars(stmt))
        # Endpoints and orders once per batch, not once per event.
        endpoints = webhooks.active_endpoints(uow, {e.tenant_id for e in events})
        notifications.load_orders(uow, events)
        for event in events:
            webhooks.plan_deliveries(uow, event, endpoints[event.tenant_id], now)
            notifications.plan_emails(uow, event, settings, now)
            uow.session.add(orm.OutboxDispatch(event_id=event.id, tenant_id=event.tenant_id))
        try:
            uow.commit()
        except IntegrityError:
            log.info("another dispatcher fanned out the same events; leaving them to it")
            return 0
        return len(events)
