"""Building the read-only views of the PDF documents from the database.

Each function reads what one document needs, turns codes into the labels people read, and
hands the view to its renderer. Nothing here is written to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mcbackend.adapters import orm
from mcbackend.adapters.storage import FileStorage
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.documents import views as v
from mcbackend.documents.batch import render_job_sheet_batch
from mcbackend.documents.dispatch_list import render_dispatch_list
from mcbackend.documents.job_sheet import render_job_sheet
from mcbackend.documents.quote import render_quote
from mcbackend.documents.timeline import render_timeline
from mcbackend.domain.catalog import ProductDefinition
from mcbackend.domain.errors import Conflict, NotFound
from mcbackend.domain.money import Money
from mcbackend.services import production, scheduling, tracking
from mcbackend.services.configuration import definitions

_STATUS_LABELS = {
    "draft": "Received",
    "awaiting_design": "Designing with you",
    "design_approved": "Design approved",
    "confirmed": "Confirmed",
    "in_production": "In production",
    "ready": "Ready",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
_INSTALLMENT_LABELS = {
    "order_placed": ("Deposit", "when you order"),
    "proof_approved": ("On design approval", "when you approve the design"),
    "production_started": ("At production start", "when production starts"),
    "shipped": ("Before shipping", "when the order ships"),
    "delivered": ("Final balance", "on delivery"),
}


def branding(uow: UnitOfWork, storage: FileStorage) -> v.Branding:
    """The tenant's name, logo (an uploaded PNG/JPEG), accent colour and paper size."""
    tenant = uow.session.get(orm.Tenant, uow.tenant_id)
    style = tenant.settings.get("branding", {})
    stored = uow.files.find(style["logo_file_id"]) if style.get("logo_file_id") else None
    logo = storage.get(stored.storage_key) if stored is not None else None
    return v.Branding(
        tenant_name=tenant.name,
        accent_colour=style.get("accent_colour", "#1F4E79"),
        page_size=style.get("page_size", "A4"),
        logo=logo,
    )


def _definition(uow: UnitOfWork, line: dict[str, Any]) -> ProductDefinition | None:
    if not line.get("product_version_id"):
        return None
    row = uow.session.get(orm.ProductVersion, line["product_version_id"])
    return definitions.get(row)


def configuration_lines(
    definition: ProductDefinition | None, configuration: dict[str, Any]
) -> tuple[tuple[v.ConfigLine, ...], tuple[v.CustomerInput, ...]]:
    """Options as labels, and the free text production must copy exactly."""
    if definition is None:
        return (), ()
    lines, inputs = [], []
    for attribute in definition.attributes:
        value = configuration.get(attribute.code)
        if value is None or value == [] or value == "":
            continue
        if attribute.type == "text":
            inputs.append(v.CustomerInput(attribute.label, str(value)))
            continue
        lines.append(v.ConfigLine(attribute.label, _value_text(attribute, value)))
    return tuple(lines), tuple(inputs)


def _value_text(attribute: Any, value: Any) -> str:
    if attribute.type == "choice":
        return attribute.value_label(value)
    if attribute.type == "multi":
        return ", ".join(attribute.value_label(code) for code in value)
    if attribute.type == "boolean":
        return "Yes" if value else "No"
    if attribute.type == "number":
        return attribute.format_number(Decimal(str(value)))
    if attribute.type == "file":
        return str(value.get("name", "file"))
    if attribute.type == "proportions":
        labels = {part.code: part.label for part in attribute.parts}
        return ", ".join(f"{labels.get(k, k)} {p} %" for k, p in value.items() if p)
    return str(value)


# --- job sheets --------------------------------------------------------------------------


def _planned(uow: UnitOfWork, plant: orm.Plant, job_ids: Sequence[int]) -> dict[int, Any]:
    if plant.active_run_id is None:
        return {}
    stmt = (
        select(orm.PlannedOperation, orm.Resource)
        .join(orm.Resource, orm.Resource.id == orm.PlannedOperation.resource_id)
        .join(orm.Operation, orm.Operation.id == orm.PlannedOperation.operation_id)
        .where(
            orm.PlannedOperation.run_id == plant.active_run_id,
            orm.Operation.job_id.in_(job_ids),
        )
    )
    return {
        planned.operation_id: (planned, resource) for planned, resource in uow.session.execute(stmt)
    }


def job_sheet_view(
    uow: UnitOfWork, job: orm.Job, now: datetime, base_url: str, planned: dict[int, Any]
) -> v.JobSheetView:
    if job.status == "superseded":
        current = production.active_jobs(uow, job.order_id, job.line)
        raise Conflict(
            f"job {job.id} was superseded by a change order; print the current job sheet",
            code="job_superseded",
            extra={"current_jobs": [j.id for j in current]},
        )
    order = uow.orders.get(job.order_id)
    plant = uow.plants.get(job.plant_id)
    line = order.lines[job.line]
    unit = uow.units.find(job.unit_id) if job.unit_id else None
    config_lines, inputs = configuration_lines(_definition(uow, line), line["configuration"])
    operations = []
    for op in job.operations:
        if op.id not in planned:
            raise Conflict(
                f"job {job.id} is not in the active plan yet; publish a schedule run first",
                code="job_not_planned",
            )
        slot, resource = planned[op.id]
        notes = []
        if op.quality_check:
            notes.append("Quality check")
        if op.cut_off:
            notes.append("No changes after this step")
        operations.append(
            v.OperationLine(
                op.seq,
                op.name,
                resource.name,
                slot.start,
                slot.end,
                resource.setup_minutes if op.setup_family else 0,
                "; ".join(notes),
            )
        )
    brief = order.brief or {}
    measurements = tuple(
        v.Measurement(m["name"].replace("_", " ").capitalize(), Decimal(m["value"]), m["unit"])
        for m in brief.get("measurements", [])
    )
    approved = None
    for proof in (order.design or {}).get("proofs", []):
        if proof["status"] == "approved":
            approved = v.ProofReference(
                proof["number"],
                datetime.fromisoformat(proof["decided_at"]),
                ", ".join(proof["attachments"]) or f"proof {proof['number']}",
            )
    return v.JobSheetView(
        job_id=str(job.id),
        order_number=order.reference,
        unit_serial=unit.serial if unit else "-",
        product=line.get("name", "Bespoke piece"),
        job_url=f"{base_url}/api/v1/jobs/{job.id}",
        configuration=config_lines,
        operations=tuple(sorted(operations, key=lambda o: (o.planned_start, o.sequence))),
        printed_at=now,
        plan_version=plant.plan_version,
        time_zone=plant.timezone,
        customer_inputs=inputs,
        measurements=measurements,
        approved_proof=approved,
        due_at=tracking.end_of(order.promised_date, plant.timezone),
        rush=order.rush,
    )


def job_sheet_pdf(
    uow: UnitOfWork, storage: FileStorage, job_id: int, now: datetime, base_url: str
) -> bytes:
    job = uow.jobs.get(job_id)
    planned = _planned(uow, uow.plants.get(job.plant_id), [job.id])
    return render_job_sheet(
        job_sheet_view(uow, job, now, base_url, planned), branding(uow, storage)
    )


def batch_pdf(
    uow: UnitOfWork,
    storage: FileStorage,
    plant_id: int,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    base_url: str,
) -> bytes:
    """Every job sheet of the active plan (or of the jobs planned in a window), in one PDF."""
    plant = uow.plants.get(plant_id)
    if plant.active_run_id is None:
        raise Conflict("the plant has no published plan yet", code="no_active_plan")
    rows = scheduling.plan_rows(uow, plant.active_run_id, start=start, end=end, open_only=True)
    job_ids = list(dict.fromkeys(row["job_id"] for row in rows))
    if not job_ids:
        raise NotFound("no planned jobs in this window", code="no_jobs")
    planned = _planned(uow, plant, job_ids)
    views = [job_sheet_view(uow, uow.jobs.get(j), now, base_url, planned) for j in job_ids]
    return render_job_sheet_batch(views, branding(uow, storage))


# --- dispatch lists ----------------------------------------------------------------------


def dispatch_list_pdf(
    uow: UnitOfWork,
    storage: FileStorage,
    resource_id: int,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> bytes:
    resource = uow.resources.get(resource_id)
    plant = uow.plants.get(resource.plant_id)
    tz = ZoneInfo(plant.timezone)
    period_start = start or datetime.combine(now.astimezone(tz).date(), time(0), tz)
    period_end = end or period_start + timedelta(days=1)
    rows = scheduling.dispatch_list(uow, resource.id, period_start, period_end)
    lines = tuple(
        v.DispatchLine(
            job_id=str(row["job_id"]),
            order_number=row["order_reference"],
            product_summary=row["product"],
            operation=row["operation"],
            planned_start=row["start"],
            planned_end=row["end"],
            setup_minutes=resource.setup_minutes if row["setup_change"] else 0,
            setup_change=f"to {row['setup_family']}" if row["setup_change"] else "",
            notes="Waits for materials: start once they are received"
            if row["waiting_for_materials"]
            else "",
        )
        for row in rows
    )
    view = v.DispatchListView(
        resource=resource.name,
        period="Day" if end is None else "Period",
        period_start=period_start,
        period_end=period_end,
        lines=lines,
        printed_at=now,
        plan_version=plant.plan_version,
        time_zone=plant.timezone,
    )
    return render_dispatch_list(view, branding(uow, storage))


# --- customer documents ------------------------------------------------------------------


_STAGE_LABELS = {
    "order": "Order",
    "design": "Design",
    "production": "Production",
    "delivery": "Delivery",
}


def timeline_pdf(uow: UnitOfWork, storage: FileStorage, order_id: int, now: datetime) -> bytes:
    order = uow.orders.get(order_id)
    progress = tracking.progress(uow, order, now)
    stages = tuple(
        v.TimelineStage(
            _STAGE_LABELS[stage.code],
            stage.planned_start,
            stage.planned_end,
            stage.actual_start,
            stage.actual_end,
        )
        for stage in progress.stages
    )
    decisions = [
        v.ProofDecision(
            proof["number"],
            datetime.fromisoformat(proof["decided_at"]),
            "approved" if proof["status"] == "approved" else "changes_requested",
            proof["comment"],
        )
        for proof in (order.design or {}).get("proofs", [])
        if proof["decided_at"]
    ]
    view = v.TimelineView(
        order_number=order.reference,
        customer_name=order.customer_name,
        ordered_at=progress.placed_at,
        items=tuple(_item(line) for line in order.lines),
        status=_STATUS_LABELS.get(order.status, order.status),
        promised_date=progress.promised_date or progress.eta or now.date(),
        eta=progress.eta,
        stages=stages,
        printed_at=now,
        time_zone=progress.time_zone,
        proof_decisions=tuple(decisions),
    )
    return render_timeline(view, branding(uow, storage))


def _item(line: dict[str, Any]) -> str:
    return f"{line['quantity']} × {line.get('name', 'Bespoke piece')}"  # noqa: RUF001


def quote_view(
    uow: UnitOfWork,
    number: str,
    customer: str,
    product: str,
    document: dict[str, Any],
    definition: ProductDefinition | None,
    now: datetime,
) -> v.QuoteView:
    currency = document["currency"]
    config_lines, inputs = configuration_lines(definition, document["configuration"])
    config_lines += tuple(v.ConfigLine(i.label, i.value) for i in inputs)
    price_lines = tuple(
        v.PriceLine(line["label"], Money(line["amount"], currency), line["kind"].replace("_", " "))
        for line in document["lines"]
    )
    plan = tuple(
        v.PaymentStage(
            _INSTALLMENT_LABELS.get(stage["event"], (stage["event"], ""))[0]
            if stage["event"] not in ("deposit", "final")
            else {"deposit": "Deposit", "final": "Final balance"}[stage["event"]],
            Money(stage["amount"], currency),
            {"deposit": "when you order", "final": "on delivery"}.get(
                stage["event"], _INSTALLMENT_LABELS.get(stage["event"], ("", stage["event"]))[1]
            ),
        )
        for stage in document["payment_plan"]
    )
    return v.QuoteView(
        quote_number=number,
        customer_name=customer,
        product=product,
        configuration=config_lines,
        price_lines=price_lines,
        payment_plan=plan,
        lead_time_days=document["lead_time_days"],
        issued_on=date.fromisoformat(document["issued_on"]),
        valid_until=date.fromisoformat(document["valid_until"]),
        printed_at=now,
        time_zone=tracking.plant_zone(uow),
        estimated_delivery=date.fromisoformat(document["ready_by"]),
    )


def quote_pdf(uow: UnitOfWork, storage: FileStorage, quote_id: int, now: datetime) -> bytes:
    quote = uow.quotes.get(quote_id)
    version = uow.session.get(orm.ProductVersion, quote.product_version_id)
    definition = definitions.get(version)
    view = quote_view(
        uow, f"Q-{quote.id:06d}", "", definition.name, quote.document, definition, now
    )
    return render_quote(view, branding(uow, storage))


def order_quote_pdf(uow: UnitOfWork, storage: FileStorage, order_id: int, now: datetime) -> bytes:
    """The quote an order's first priced line was sold at (what the customer agreed to)."""
    order = uow.orders.get(order_id)
    line = next((line for line in order.lines if line.get("quote")), None)
    if line is None:
        raise NotFound(
            "this order has no quote yet (it is priced by hand or by a proof)",
            code="quote_not_found",
        )
    view = quote_view(
        uow,
        order.reference,
        order.customer_name,
        line.get("name", ""),
        line["quote"],
        _definition(uow, line),
        now,
    )
    return render_quote(view, branding(uow, storage))
