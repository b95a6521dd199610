"""What webhook and e-mail delivery share: the dispatcher's settings and claiming due rows.

A due row (status pending or failed, ``next_attempt_at`` reached) is claimed by moving its
``next_attempt_at`` a lease ahead and committing before anything is sent: no transaction
stays open during network I/O, and if the worker dies before recording the outcome the row
simply becomes due again when the lease runs out (at least once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from mcbackend.adapters import orm
from mcbackend.adapters.mailer import SmtpSettings
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import webhooks as rules

RETRYABLE = ("pending", "failed")
Row = TypeVar("Row", orm.WebhookDelivery, orm.Notification)


@dataclass(frozen=True)
class DispatchSettings:
    retry_schedule_s: tuple[float, ...] = rules.RETRY_SCHEDULE_S
    jitter: float = rules.JITTER
    timeout_s: float = 5.0
    lease_s: float = 60.0
    batch: int = 100
    target_policy: rules.TargetPolicy = field(default_factory=rules.TargetPolicy)
    smtp: SmtpSettings | None = None
    delays_h: Mapping[str, float] = field(default_factory=dict)  # e-mail rule delays
    random: Callable[[], float] = rules.system_random

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DispatchSettings:
        return cls(
            retry_schedule_s=tuple(float(s) for s in config["WEBHOOKS_RETRY_SCHEDULE_S"]),
            timeout_s=float(config["WEBHOOKS_TIMEOUT_S"]),
            target_policy=target_policy(config),
            smtp=SmtpSettings.from_config(config),
            delays_h={
                "NOTIFY_APPROVAL_REMINDER_H": float(config["NOTIFY_APPROVAL_REMINDER_H"]),
                "NOTIFY_FEEDBACK_REQUEST_H": float(config["NOTIFY_FEEDBACK_REQUEST_H"]),
            },
        )

    def retry_at(self, failed_attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``failed_attempts`` failures; None: give up (dead)."""
        delay = rules.retry_delay(failed_attempts, self.retry_schedule_s, self.jitter, self.random)
        return None if delay is None else now + delay


def target_policy(config: Mapping[str, Any]) -> rules.TargetPolicy:
    return rules.TargetPolicy(rules.parse_networks(config["WEBHOOKS_ALLOWED_NETWORKS"]))


def claim_due(
    uow: UnitOfWork, model: type[Row], settings: DispatchSettings, now: datetime
) -> list[Row]:
    """Lock and lease up to ``settings.batch`` due rows of ``model`` (the caller commits)."""
    stmt = (
        select(model)
        .where(model.status.in_(RETRYABLE), model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id)
        .limit(settings.batch)
        .with_for_update(skip_locked=True)
    )
    rows = list(uow.session.scalars(stmt))
    for row in rows:
        row.next_attempt_at = now + timedelta(seconds=settings.lease_s)
    return rows


def record_failure(row: Row, settings: DispatchSettings, error: str, now: datetime) -> None:
    """Count a failed attempt and schedule the next one, or declare the row dead."""
    row.attempts += 1
    row.last_error = error[:2000]
    retry_at = settings.retry_at(row.attempts, now)
    row.status = "failed" if retry_at is not None else "dead"
    row.next_attempt_at = retry_at
