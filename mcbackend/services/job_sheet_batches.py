"""Job-sheet batches: every job sheet of a plan (or of a window of it) in one stored PDF.

A batch is a row first (queued). ``render_batch`` is the worker's task, on the embedded
worker or on Celery: it claims the batch (see :mod:`mcbackend.services.claims`), renders it
with the same code as the synchronous PDF and keeps the file, with its checksum, in the file
storage. A batch whose worker died is taken over when its task is delivered again, or
reported failed when it is read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters import orm
from mcbackend.adapters.repositories import JobSheetBatchRepository
from mcbackend.adapters.storage import FileStorage
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.documents.layout import page_count
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem, NotFound
from mcbackend.services import claims, documents, files

# The longest a render may take (a 1,000-sheet plan takes well under a minute).
RENDER_TIME_LIMIT = timedelta(minutes=10)
# A batch still "running" this long past the render time limit lost its worker.
LOST_AFTER = timedelta(minutes=5)
# A queued batch no worker picked up within this long lost its task (a restarted process).
QUEUE_TIMEOUT = timedelta(minutes=30)


def request_batch(
    uow: UnitOfWork,
    plant_id: int,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> orm.JobSheetBatch:
    """Queue a batch of the plant's active plan, or of the jobs planned in a window."""
    plant = uow.plants.get(plant_id)
    if start is not None and end is not None and end <= start:
        raise BusinessRuleViolation(
            "a window must end after it starts",
            code="invalid_window",
            errors=[FieldProblem("end", "before_start", "must be after start")],
        )
    if plant.active_run_id is None:
        raise Conflict("the plant has no published plan yet", code="no_active_plan")
    batch = uow.job_sheet_batches.add(
        orm.JobSheetBatch(
            plant_id=plant.id, status="queued", start=start, end=end, requested_at=now
        )
    )
    uow.commit()
    return batch


def expire_old_batches(
    uow: UnitOfWork, storage: FileStorage, now: datetime, keep: timedelta
) -> int:
    """Batches done more than `keep` ago give up their PDF, which the plan can render again:
    the stored file and its row go, the batch stays as "expired". The bytes are deleted only
    after the commit, so a failed commit leaves no row pointing at missing bytes."""
    old = uow.job_sheet_batches.list(
        orm.JobSheetBatch.status == "done", orm.JobSheetBatch.finished_at < now - keep
    )
    keys = []
    for batch in old:
        stored = uow.files.get(batch.file_id) if batch.file_id is not None else None
        batch.status, batch.file_id = "expired", None
        if stored is not None:
            keys.append(stored.storage_key)
            uow.files.delete(stored)
    if old:
        uow.commit()
    for key in keys:
        storage.delete(key)
    return len(old)


def get_batch(uow: UnitOfWork, plant_id: int, batch_id: int, now: datetime) -> orm.JobSheetBatch:
    """A batch of this plant; one whose worker is gone is marked failed first."""
    batch = uow.job_sheet_batches.get(batch_id)
    if batch.plant_id != plant_id:
        raise NotFound(f"job_sheet_batch {batch_id} not found", code="job_sheet_batch_not_found")
    lost = lost_at(batch, LOST_AFTER)
    if claims.fail_if_abandoned(batch, now, lost, QUEUE_TIMEOUT, "request a new batch"):
        uow.commit()
    return batch


def batch_document(
    uow: UnitOfWork, storage: FileStorage, plant_id: int, batch_id: int, now: datetime
) -> tuple[orm.StoredFile, bytes]:
    """The rendered PDF of a done batch; a batch not done yet is a 409."""
    batch = get_batch(uow, plant_id, batch_id, now)
    if batch.status == "expired":
        raise Conflict(
            "this batch's PDF was removed after the retention period; request a new batch",
            code="batch_expired",
            extra={"batch_status": batch.status},
        )
    if batch.status != "done" or batch.file_id is None:
        raise Conflict(
            f"the batch is {batch.status}; its PDF can be downloaded once it is done",
            code="batch_not_done",
            extra={"batch_status": batch.status},
        )
    return files.file_content(uow, storage, batch.file_id)


def lost_at(batch: orm.JobSheetBatch, lost_after: timedelta) -> datetime:
    """When a batch still "running" counts as abandoned by its worker."""
    return (batch.started_at or batch.requested_at) + RENDER_TIME_LIMIT + lost_after


def render_batch(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    batch_id: int,
    *,
    storage: FileStorage,
    base_url: str,
    lost_after: timedelta = LOST_AFTER,
) -> datetime | None:
    """The worker's task: claim the batch, render it, store the PDF, mark it done.

    Like :func:`mcbackend.services.scheduling.execute_run`: returns when another worker's
    claim counts as lost, so the caller can try again then, and None when there is nothing
    left to do. A render that fails marks the batch failed with the error.
    """
    return claims.run_claimed(
        session_factory,
        tenant_id,
        JobSheetBatchRepository,
        batch_id,
        lambda batch: lost_at(batch, lost_after),
        lambda now, claim: _render_and_store(
            session_factory, tenant_id, batch_id, now, claim, storage, base_url
        ),
    )


def _render_and_store(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    batch_id: int,
    now: datetime,
    claim: datetime,
    storage: FileStorage,
    base_url: str,
) -> None:
    with UnitOfWork(session_factory, tenant_id) as uow:
        batch = uow.job_sheet_batches.get(batch_id)
        pdf = documents.batch_pdf(
            uow, storage, batch.plant_id, batch.start, batch.end, now, base_url
        )
        if claims.still_claimed(uow.job_sheet_batches, batch_id, claim) is None:
            return
        name = f"job-sheets-plant-{batch.plant_id}-batch-{batch.id}.pdf"
        with files.storing(uow, storage, name, "application/pdf", pdf) as stored:
            batch.file_id = stored.id
            batch.pages = page_count(pdf)
            batch.status = "done"
            batch.finished_at = orm.utcnow()
            uow.commit()
