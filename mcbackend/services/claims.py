"""Claiming queued background work, so each piece of it is done once.

A queue may deliver a task twice, or again after its worker died. The rows such tasks work
on (schedule runs, job-sheet batches) are ``queued``, then ``running`` from ``started_at``,
then final, with ``finished_at`` and ``error``. A worker claims a row with one conditional
UPDATE; the ``started_at`` it wrote is its claim. A row another worker still holds is left
alone until that claim counts as lost, then taken over; whoever finishes checks first that
the claim is still its own, so a worker that was taken over stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.repositories import TenantRepository
from mcbackend.adapters.unit_of_work import UnitOfWork

ACTIVE_STATUSES = ("queued", "running")


@dataclass(frozen=True)
class Busy:
    until: datetime  # when the other worker's claim counts as lost


def run_claimed(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    repository: type[TenantRepository],
    row_id: int,
    lost_at: Callable[[Any], datetime],
    work: Callable[[datetime, datetime], None],
) -> datetime | None:
    """Claim the row and do ``work(now, claim)``; a failure marks the row failed and is
    raised again. Returns when another worker's claim counts as lost (try again then), None
    when there is nothing left to do."""
    now = utcnow()
    taken = claim(session_factory, tenant_id, repository, row_id, now, lost_at)
    if isinstance(taken, Busy):
        return taken.until
    if taken is None:
        return None
    try:
        work(now, taken)
    except Exception as exc:
        record_failure(session_factory, tenant_id, repository, row_id, taken, exc, utcnow())
        raise
    return None


def claim(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    repository: type[TenantRepository],
    row_id: int,
    now: datetime,
    lost_at: Callable[[Any], datetime],
) -> datetime | Busy | None:
    """Mark the row running as of ``now`` if it is queued or abandoned (running past
    ``lost_at(row)``); returns the claim, ``Busy`` while another worker holds it, None when it
    is finished or was claimed by someone else in between."""
    with UnitOfWork(session_factory, tenant_id) as uow:
        rows = repository(uow.session, tenant_id)
        row = rows.get(row_id)
        if row.status == "running" and now <= lost_at(row):
            return Busy(lost_at(row))
        if row.status not in ACTIVE_STATUSES:
            return None
        model = rows.model
        started = model.started_at
        taken = uow.session.execute(
            update(model)
            .where(
                model.id == row_id,
                model.tenant_id == tenant_id,
                model.status == row.status,
                started.is_(None) if row.started_at is None else started == row.started_at,
            )
            .values(status="running", started_at=now, error=None)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return now if taken.rowcount == 1 else None


def still_claimed(rows: TenantRepository, row_id: int, claim: datetime) -> Any | None:
    """The row, locked (on PostgreSQL), if it is still running under this claim."""
    row = rows.get(row_id)
    rows.session.refresh(row, with_for_update=True)
    return row if row.status == "running" and row.started_at == claim else None


def record_failure(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    repository: type[TenantRepository],
    row_id: int,
    claim: datetime,
    exc: BaseException,
    now: datetime,
) -> None:
    """Mark the row failed with the exception's message, unless the claim was taken over."""
    with UnitOfWork(session_factory, tenant_id) as uow:
        row = still_claimed(repository(uow.session, tenant_id), row_id, claim)
        if row is not None:
            _fail(row, f"{type(exc).__name__}: {exc}", now)
            uow.commit()


def fail_if_abandoned(
    row: Any, now: datetime, lost_at: datetime, queue_timeout: timedelta, consequence: str
) -> bool:
    """Mark an active row failed if it lost its worker: running past ``lost_at``, or queued
    longer than ``queue_timeout`` (its task went with a restarted process). The error says
    why, then ``consequence``; the caller commits."""
    if row.status == "running" and now > lost_at:
        reason = "the worker running it was lost"
    elif row.status == "queued" and now > row.requested_at + queue_timeout:
        reason = "no worker picked it up in time"
    else:
        return False
    _fail(row, f"{reason}; {consequence}", now)
    return True


def _fail(row: Any, error: str, now: datetime) -> None:
    row.status = "failed"
    row.error = error[:2000]
    row.finished_at = now
