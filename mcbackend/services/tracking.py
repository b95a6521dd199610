"""What a customer sees of one order: the view behind the JSON tracking API, the tracking page
and the timeline PDF.

``progress`` derives the order's stages, planned against actual, and its ETA against the
promised date; ``customer_view`` adds the items, proofs, customer-visible events and payments.
Nothing here is written to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mcbackend.adapters import orm
from mcbackend.adapters.storage import FileStorage
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.errors import Conflict, NotFound
from mcbackend.services import feedback, files, orders, production

# How long handing over to the carrier and transport take, for the planned delivery stage.
SHIPPING_TIME = timedelta(days=2)


@dataclass(frozen=True)
class Stage:
    """One stage of an order (``order``, ``design``, ``production``, ``delivery``)."""

    code: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None = None
    actual_end: datetime | None = None

    @property
    def state(self) -> str:
        """``done``, ``active`` (started, not finished) or ``planned``."""
        if self.actual_end is not None:
            return "done"
        return "active" if self.actual_start is not None else "planned"


@dataclass(frozen=True)
class Progress:
    placed_at: datetime
    stages: tuple[Stage, ...]
    promised_date: date | None  # what the customer was promised at confirmation
    eta: date | None  # the active plan's completion, in the plant's time zone
    time_zone: str

    @property
    def days_late(self) -> int | None:
        """Days the ETA lies after the promise (negative: early); None without both."""
        if self.eta is None or self.promised_date is None:
            return None
        return (self.eta - self.promised_date).days


def plant_zone(uow: UnitOfWork) -> str:
    return _zone(uow.plants.list())


def _zone(plants: Sequence[orm.Plant]) -> str:
    return plants[0].timezone if plants else "UTC"


def end_of(day: date | None, tz: str) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59), ZoneInfo(tz))


def planned_rows(
    uow: UnitOfWork, plants: Sequence[orm.Plant], operation_ids: list[int]
) -> list[orm.PlannedOperation]:
    """The active plans' slots of these operations."""
    runs = [p.active_run_id for p in plants if p.active_run_id]
    if not runs or not operation_ids:
        return []
    stmt = select(orm.PlannedOperation).where(
        orm.PlannedOperation.run_id.in_(runs),
        orm.PlannedOperation.operation_id.in_(operation_ids),
    )
    return list(uow.session.scalars(stmt))


def progress(
    uow: UnitOfWork,
    order: orm.Order,
    now: datetime,
    events: list[orm.OrderEvent] | None = None,
) -> Progress:
    """The order's stages, planned (active plan, else what is known) against actual (events;
    loaded unless the caller has them)."""
    if events is None:
        events = uow.order_store.events(order.id)
    plants = uow.plants.list()
    tz = _zone(plants)
    first: dict[str, datetime] = {}
    for event in events:
        first.setdefault(event.type, event.at)
    ops = [op for job in production.active_jobs(uow, order.id) for op in job.operations]
    slots = planned_rows(uow, plants, [op.id for op in ops])
    placed = first.get("order_placed", order.created_at)
    confirmed = first.get("confirmed")
    promised = order.promised_date
    production_start = min((r.start for r in slots), default=confirmed or placed)
    production_end = max(
        max((r.end for r in slots), default=end_of(promised or now.date(), tz)), production_start
    )
    started = [op.started_at for op in ops if op.started_at]
    finished = [op.finished_at for op in ops if op.finished_at]
    all_done = bool(ops) and len(finished) == len(ops)
    stages = [Stage("order", placed, confirmed or placed, placed, confirmed)]
    if order.mode == "co":
        opened = first.get("design_opened", placed)
        stages.append(_design_stage(uow, order, events, plants, opened))
    stages += [
        Stage(
            "production",
            production_start,
            production_end,
            min(started) if started else None,
            max(finished) if all_done else None,
        ),
        Stage(
            "delivery",
            production_end,
            production_end + SHIPPING_TIME,
            first.get("shipped"),
            first.get("delivered") if first.get("shipped") else None,
        ),
    ]
    eta = (
        order.planned_completion.astimezone(ZoneInfo(tz)).date()
        if order.planned_completion
        else None
    )
    return Progress(placed, tuple(stages), promised, eta, tz)


def _design_stage(
    uow: UnitOfWork,
    order: orm.Order,
    events: list[orm.OrderEvent],
    plants: Sequence[orm.Plant],
    opened: datetime,
) -> Stage:
    """From the brief to the approved proof; planned by the designer's job while it runs."""
    design_ops = [
        op.id
        for job in uow.jobs.list(orm.Job.order_id == order.id, orm.Job.kind == "design")
        for op in job.operations
    ]
    issued = [e.at for e in events if e.type == "proof_issued"]
    proofs = (order.design or {}).get("proofs", [])
    approved = proofs[-1]["status"] == "approved" if proofs else False
    approved_at = (
        next((e.at for e in reversed(events) if e.type == "proof_approved"), None)
        if approved
        else None
    )
    planned_end = max(
        (r.end for r in planned_rows(uow, plants, design_ops)), default=approved_at or opened
    )
    return Stage(
        "design",
        opened,
        max(planned_end, opened),
        min(issued) if issued else None,
        approved_at if issued else None,
    )


def customer_view(uow: UnitOfWork, order: orm.Order, now: datetime) -> dict[str, Any]:
    """Status, items, stages and ETA, proofs, customer-visible events and payments."""
    events = uow.order_store.events(order.id)  # once, for payments, stages and timeline
    summary = orders.summarize_payments(uow, order, events)
    stages = progress(uow, order, now, events)
    return {
        "reference": order.reference,
        "mode": order.mode,
        "status": order.status,
        "version": order.version,
        "currency": order.currency,
        "total": order.total_amount,
        "requested_date": order.requested_date,
        "lines": [
            {
                "name": line.get("name", "Bespoke piece"),
                "configuration": line["configuration"],
                "quantity": line["quantity"],
                "price": line["price"],
            }
            for line in order.lines
        ],
        "has_quote": any(line.get("quote") for line in order.lines),
        "proofs": (order.design or {}).get("proofs", []),
        "timeline": orders.customer_events(events),
        "payments": {
            "installments": summary["installments"],
            "paid": summary["paid"],
            "balance": summary["balance"],
            "due": summary["due"],
        },
        "promised_date": stages.promised_date,
        "eta": stages.eta,
        "days_late": stages.days_late,
        "time_zone": stages.time_zone,
        "stages": stages.stages,
    }


def shared_files(uow: UnitOfWork, order: orm.Order) -> dict[str, orm.StoredFile]:
    """Files the customer may open, by id: those of their brief and of their proofs."""
    design = order.design or {}
    ids = {str(f) for f in design.get("brief", {}).get("attachments", [])}
    ids |= {str(f) for proof in design.get("proofs", []) for f in proof["attachments"]}
    found = (uow.files.find(int(f)) for f in sorted(ids, key=int))
    return {str(row.id): row for row in found if row is not None}


def attachment(
    uow: UnitOfWork, storage: FileStorage, order: orm.Order, file_id: int
) -> tuple[orm.StoredFile, bytes]:
    """One of :func:`shared_files` with its bytes."""
    row = shared_files(uow, order).get(str(file_id))
    if row is None:
        raise NotFound(f"no file {file_id} on this order", code="file_not_found")
    return row, storage.get(row.storage_key)


def feedback_state(uow: UnitOfWork, order: orm.Order) -> str:
    """``open`` once delivered, ``given`` after the customer left feedback, else ``closed``."""
    if feedback.order_feedback(uow, order.id):
        return "given"
    return "open" if order.status == "delivered" else "closed"


def give_feedback(
    uow: UnitOfWork,
    storage: FileStorage,
    order: orm.Order,
    data: dict[str, Any],
    photo: tuple[str, str | None, bytes] | None,
    max_bytes: int,
    now: datetime,
) -> orm.Feedback:
    """The customer's feedback with an optional photo (file name, declared type, bytes).

    Refused before the photo is stored when feedback is not open, so no file is orphaned.
    """
    state = feedback_state(uow, order)
    if state == "given":
        raise Conflict("feedback for this order was already given", code="feedback_exists")
    if state == "closed":
        raise Conflict(
            "feedback opens once the order is delivered",
            code="not_delivered",
            extra={"order_status": order.status},
        )
    photos = []
    if photo is not None:
        name, declared, content = photo
        photos.append(files.upload_file(uow, storage, name, declared, content, max_bytes).id)
    return feedback.leave_feedback(uow, order.id, {**data, "photos": photos}, now)
