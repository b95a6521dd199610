"""Customer e-mails from the outbox: planned when an event is fanned out, sent by the
dispatcher over SMTP, retried like webhook deliveries, every one kept in the notification log.

An e-mail is skipped (and logged as such) when SMTP is not configured, when the customer's
contact is not an e-mail address, or when a reminder has become pointless (the proof was
decided, the feedback already given). E-mails never carry the tracking link: only a hash of
its token is stored, so they point the customer to the link they received with their order.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mcbackend import notifications as templates
from mcbackend.adapters import mailer, orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services.delivery import DispatchSettings, claim_due, record_failure

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def email_address(contact: str | None) -> str | None:
    """The contact if it is an e-mail address (customers may give a phone number instead)."""
    contact = (contact or "").strip()
    return contact if _EMAIL.match(contact) else None


def list_notifications(
    uow: UnitOfWork, page: int, page_size: int, order_id: int | None, status: str | None
) -> tuple[Sequence[orm.Notification], int]:
    criteria = []
    if order_id is not None:
        criteria.append(orm.Notification.order_id == order_id)
    if status:
        criteria.append(orm.Notification.status == status)
    return uow.notifications.page(page, page_size, *criteria, order_by=orm.Notification.id.desc())


def load_orders(uow: UnitOfWork, events: Sequence[orm.OutboxEvent]) -> None:
    """Load the orders of events that send e-mails in one query, so that `plan_emails`
    finds them in the session instead of fetching them one by one."""
    ids = {e.order_id for e in events if e.order_id is not None and templates.RULES.get(e.type)}
    if ids:
        list(uow.session.scalars(select(orm.Order).where(orm.Order.id.in_(ids))))


def plan_emails(
    uow: UnitOfWork, event: orm.OutboxEvent, settings: DispatchSettings, now: datetime
) -> int:
    """The e-mails an event sends, as log rows: pending (due now or after the rule's delay)
    or skipped with the reason (inside the dispatcher's fan-out transaction)."""
    rules = templates.RULES.get(event.type, ())
    if not rules or event.order_id is None:
        return 0
    order = uow.session.get(orm.Order, event.order_id)
    recipient = email_address(order.customer_contact)
    skipped = (
        "SMTP is not configured"
        if settings.smtp is None
        else None
        if recipient
        else "the customer's contact is not an e-mail address"
    )
    for rule in rules:
        delay = settings.delays_h.get(rule.delay_setting, 0.0) if rule.delay_setting else 0.0
        uow.session.add(
            orm.Notification(
                tenant_id=event.tenant_id,
                event_id=event.id,
                order_id=order.id,
                event_type=event.type,
                template=rule.template,
                language=templates.pick_language(order.customer_language),
                recipient=recipient,
                status="skipped" if skipped else "pending",
                attempts=0,
                next_attempt_at=None if skipped else now + timedelta(hours=delay),
                last_error=skipped,
            )
        )
    return len(rules)


@dataclass(frozen=True)
class _Mail:
    notification_id: int
    tenant_id: int
    message: EmailMessage


def send_due(
    session_factory: sessionmaker[Session],
    settings: DispatchSettings,
    now: datetime,
    *,
    send: Callable[[mailer.SmtpSettings, EmailMessage], None] | None = None,
) -> tuple[int, int]:
    """Claim, render and send the due e-mails; returns (sent, failed)."""
    if settings.smtp is None:
        return 0, 0
    send = send or mailer.send
    with UnitOfWork(session_factory) as uow:
        mails = []
        for row in claim_due(uow, orm.Notification, settings, now):
            order = uow.session.get(orm.Order, row.order_id)
            event = uow.session.get(orm.OutboxEvent, row.event_id)
            reason = _pointless(uow, row, order, event)
            if reason:
                row.status, row.last_error, row.next_attempt_at = "skipped", reason, None
                continue
            tenant = uow.session.get(orm.Tenant, row.tenant_id)
            rendered = templates.render(
                row.template,
                row.language,
                {
                    "customer_name": order.customer_name,
                    "reference": order.reference,
                    "tenant_name": tenant.name,
                    "data": event.payload.get("data", {}),
                },
            )
            row.subject = rendered.subject[:300]
            mails.append(
                _Mail(row.id, row.tenant_id, _message(settings.smtp, tenant, row, rendered))
            )
        uow.commit()
    sent = failed = 0
    for mail in mails:
        error = None
        try:
            send(settings.smtp, mail.message)
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("e-mail %s not sent: %s", mail.notification_id, error)
        _record(session_factory, settings, mail, error, now)
        sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    return sent, failed


def _pointless(
    uow: UnitOfWork, row: orm.Notification, order: orm.Order, event: orm.OutboxEvent
) -> str | None:
    if row.template == "approval_needed":
        number = event.payload.get("data", {}).get("proof")
        proofs = (order.design or {}).get("proofs", [])
        if not any(p["number"] == number and p["status"] == "open" for p in proofs):
            return "the proof is no longer waiting for a decision"
    if row.template == "feedback_request":
        given = select(orm.OutboxEvent.id).where(
            orm.OutboxEvent.order_id == order.id, orm.OutboxEvent.type == "feedback.received"
        )
        if uow.session.scalar(given.limit(1)) is not None:
            return "the customer has already given feedback"
    return None


def _message(
    smtp: mailer.SmtpSettings,
    tenant: orm.Tenant,
    row: orm.Notification,
    rendered: templates.RenderedEmail,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr((tenant.name, smtp.sender))
    message["To"] = row.recipient
    message["Message-ID"] = make_msgid(f"n{row.id}", domain=smtp.sender.rpartition("@")[2] or None)
    message["X-MC-Notification"] = f"{row.template}; event={row.event_id}"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = row.language  # after set_content, which clears Content-*
    return message


def _record(
    session_factory: sessionmaker[Session],
    settings: DispatchSettings,
    mail: _Mail,
    error: str | None,
    now: datetime,
) -> None:
    with UnitOfWork(session_factory, mail.tenant_id) as uow:
        row = uow.notifications.find(mail.notification_id, for_update=True)
        if row is None:
            return
        if error is None:
            row.attempts += 1
            row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, None
        else:
            record_failure(row, settings, error, now)
        uow.commit()
