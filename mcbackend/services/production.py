"""Releasing confirmed orders to production: units and jobs from the job templates.

Make-to-order: nothing here runs before an order is confirmed. Each unit of each line gets
one job whose operations and durations come from the product's job template and the line's
configuration (bespoke lines carry the operations a planner set).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from mcbackend.adapters import orm
from mcbackend.adapters.order_store import unit_from_row, write_unit
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import orders as d
from mcbackend.domain.changes import OperationState, OperationStatus
from mcbackend.domain.errors import Conflict
from mcbackend.domain.jobs import JobSpec, JobTemplate, load_templates
from mcbackend.domain.jobs.expansion import OperationSpec, PrecedenceArc, expand
from mcbackend.domain.money import Money
from mcbackend.domain.units import Modification, ModificationKind, Unit

JOB_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "job_templates"
# Bespoke work and alterations of delivered units are routed by a planner, not a template.
ROUTED_BY_HAND = (d.Mode.BESPOKE, d.Mode.POST)
# What one minute of production costs when the tenant has not said (minor units per hour).
DEFAULT_HOURLY_RATE = 6000


@lru_cache(maxsize=4)
def job_templates(directory: str = str(JOB_TEMPLATES_DIR)) -> dict[str, JobTemplate]:
    """Templates are files shipped with the code: loaded and validated once per process."""
    return load_templates(directory)


def default_plant(uow: UnitOfWork) -> orm.Plant:
    """Where released work goes: the tenant's first plant (one plant per tenant for now)."""
    plants = uow.plants.list()
    if not plants:
        raise Conflict("the tenant has no plant to release production to", code="no_plant")
    return plants[0]


def plant_groups(uow: UnitOfWork) -> set[str]:
    return {group for resource in uow.resources.list() for group in resource.groups}


def load_unit(row: orm.Unit) -> Unit:
    return unit_from_row(row)


def release(uow: UnitOfWork, row: orm.Order, order: d.Order, now: datetime) -> list[orm.Job]:
    """Create the units and jobs of a confirmed order."""
    jobs = []
    for index in range(len(order.lines)):
        jobs += _release_line(uow, row, order, index, [], now)
    order.record(
        "released", now, "system", visibility=d.Visibility.CUSTOMER, data={"jobs": len(jobs)}
    )
    return jobs


def rerelease_line(
    uow: UnitOfWork, row: orm.Order, order: d.Order, index: int, now: datetime
) -> list[orm.Job]:
    """After an accepted change: supersede the line's jobs and release new ones for the same
    units (plus new units if the quantity grew)."""
    old = supersede_jobs(uow, row.id, now, index)
    units = sorted({job.unit_id for job in old})
    jobs = _release_line(uow, row, order, index, units, now)
    order.record(
        "jobs_rereleased",
        now,
        "system",
        data={"line": index, "superseded": [j.id for j in old], "released": [j.id for j in jobs]},
    )
    return jobs


def _release_line(
    uow: UnitOfWork, row: orm.Order, order: d.Order, index: int, units: list[int], now: datetime
) -> list[orm.Job]:
    extra, line = row.lines[index], order.lines[index]
    if order.mode is d.Mode.POST:
        units = [extra["unit_id"]]
    specs = _job_specs(order, extra, line)
    while len(units) < len(specs):
        units.append(_new_unit(uow, row, order, index, len(units) + 1, now).id)
    return [
        _add_job(uow, row.id, unit_id, index, spec, now)
        for spec, unit_id in zip(specs, units, strict=False)
    ]


def _new_unit(
    uow: UnitOfWork, row: orm.Order, order: d.Order, index: int, n: int, now: datetime
) -> orm.Unit:
    extra = row.lines[index]
    serial = f"{order.reference}-{index + 1}-{n}"
    unit = Unit.produced(
        serial,
        order.lines[index].product_version,
        order.lines[index].configuration,
        order.reference,
        now,
    )
    unit_row = orm.Unit(
        product_id=extra.get("product_id"),  # bespoke pieces have no catalog product
        product_version_id=extra.get("product_version_id"),
        order_id=row.id,
    )
    write_unit(unit_row, unit)
    uow.units.add(unit_row)
    uow.flush()
    return unit_row


def _job_specs(order: d.Order, extra: dict, line: d.OrderLine) -> list[JobSpec]:
    if order.mode in ROUTED_BY_HAND:
        count = 1 if order.mode is d.Mode.POST else line.quantity
        return [_routed_spec(extra["operations"], n) for n in range(1, count + 1)]
    template = job_templates()[extra["job_template"]]
    specs = expand(template, line.configuration, line.quantity, mode=order.mode.value)
    # Design work was its own job while the customer decided; production starts after it.
    return [_only(spec, design=False) for spec in specs]


def _only(spec: JobSpec, *, design: bool) -> JobSpec:
    """The spec's design (or production) operations and the arcs among them."""
    ops = tuple(op for op in spec.operations if op.design == design)
    kept = {op.id for op in ops}
    arcs = tuple(a for a in spec.arcs if a.before in kept and a.after in kept)
    return JobSpec(spec.product_family, spec.template_version, spec.unit, ops, arcs)


def release_design(
    uow: UnitOfWork, row: orm.Order, order: d.Order, estimate: dict, now: datetime
) -> orm.Job | None:
    """A co-design order's designer time, schedulable while the customer decides.

    Durations come from ``estimate``, the starting configuration completed with defaults.
    """
    template = job_templates()[row.lines[0]["job_template"]]
    spec = _only(expand(template, estimate, 1, mode="co")[0], design=True)
    if not spec.operations:
        return None
    job = _add_job(uow, row.id, None, 0, spec, now, kind="design")
    order.record("design_work_planned", now, "system", data={"job": job.id})
    return job


def hold_capacity(
    uow: UnitOfWork, row: orm.Order, order: d.Order, hours: int, now: datetime
) -> orm.Job:
    """Hold production capacity for a co-design order until it expires, so the date a proof
    promises stays honest. A new hold replaces the previous one."""
    if order.mode is not d.Mode.CO or order.status not in (
        d.OrderStatus.AWAITING_DESIGN,
        d.OrderStatus.DESIGN_APPROVED,
    ):
        raise Conflict(
            "capacity is held only for co-design orders waiting for approval or confirmation",
            code="hold_not_allowed",
            extra={"order_status": order.status.value},
        )
    release_holds(uow, row.id, now)
    line, extra = order.lines[0], row.lines[0]
    proofs = order.design.proofs if order.design else []
    configuration = proofs[-1].configuration if proofs else extra["design_estimate"]
    template = job_templates()[extra["job_template"]]
    spec = _only(expand(template, configuration, 1, mode="co")[0], design=False)
    job = _add_job(uow, row.id, None, 0, spec, now, kind="hold")
    job.expires_at = now + timedelta(hours=hours)
    order.record(
        "capacity_held",
        now,
        "planner",
        visibility=d.Visibility.CUSTOMER,
        data={"until": job.expires_at.isoformat(), "quantity": line.quantity},
    )
    return job


def release_holds(uow: UnitOfWork, order_id: int, now: datetime) -> list[orm.Job]:
    """Free an order's held capacity (replaced, confirmed, cancelled or given up)."""
    holds = uow.jobs.list(
        orm.Job.order_id == order_id, orm.Job.kind == "hold", orm.Job.status == "released"
    )
    for job in holds:
        job.status = "superseded"
        job.superseded_at = now
    return list(holds)


def finish_design(uow: UnitOfWork, order_id: int, now: datetime) -> None:
    """Once a proof is approved the design job leaves the plan."""
    for job in uow.jobs.list(orm.Job.order_id == order_id, orm.Job.kind == "design"):
        if job.status == "released":
            job.status = "done"


def _routed_spec(operations: list[dict], unit: int) -> JobSpec:
    ops = tuple(
        OperationSpec(
            id=f"op{i + 1}",
            name=op["name"],
            durations={op["resource_group"]: op["duration_minutes"]},
        )
        for i, op in enumerate(operations)
    )
    ids = {op["name"]: f"op{i + 1}" for i, op in enumerate(operations)}
    arcs = tuple(
        PrecedenceArc(ids[before], ids[op["name"]]) for op in operations for before in op["after"]
    )
    return JobSpec("routed", 1, unit, ops, arcs)


def _add_job(
    uow: UnitOfWork,
    order_id: int,
    unit_id: int | None,
    line: int,
    spec: JobSpec,
    now: datetime,
    kind: str = "production",
) -> orm.Job:
    """The job and its operations; with a materials gate, the materials are expected after
    the longest lead time its gates name (none named: expected now)."""
    gated = [op.materials_lead_days for op in spec.operations if "materials" in op.gates]
    job = uow.jobs.add(
        orm.Job(
            order_id=order_id,
            kind=kind,
            plant_id=default_plant(uow).id,
            unit_id=unit_id,
            line=line,
            product_family=spec.product_family,
            template_version=spec.template_version,
            arcs=[
                {"before": a.before, "after": a.after, "min_lag": a.min_lag, "max_lag": a.max_lag}
                for a in spec.arcs
            ],
            status="released",
            materials_expected_at=now + timedelta(days=max(gated)) if gated else None,
        )
    )
    uow.flush()
    for seq, op in enumerate(spec.operations, start=1):
        uow.session.add(
            orm.Operation(
                tenant_id=uow.tenant_id,
                job_id=job.id,
                seq=seq,
                key=op.id,
                name=op.name,
                durations=dict(op.durations),
                setup_family=op.setup_family,
                gates=list(op.gates),
                quality_check=op.quality_check,
                splittable=op.splittable,
                cut_off=op.cut_off,
                design=op.design,
            )
        )
    uow.flush()
    return job


def jobs_of_order(uow: UnitOfWork, order_id: int) -> list[orm.Job]:
    uow.orders.get(order_id)
    return list(uow.jobs.list(orm.Job.order_id == order_id))


def active_jobs(uow: UnitOfWork, order_id: int, line: int | None = None) -> list[orm.Job]:
    criteria = [
        orm.Job.order_id == order_id,
        orm.Job.status != "superseded",
        orm.Job.kind == "production",
    ]
    if line is not None:
        criteria.append(orm.Job.line == line)
    return list(uow.jobs.list(*criteria))


def supersede_jobs(
    uow: UnitOfWork, order_id: int, now: datetime, line: int | None = None
) -> list[orm.Job]:
    """Mark released jobs superseded (their job sheets must no longer be used)."""
    jobs = active_jobs(uow, order_id, line)
    for job in jobs:
        job.status = "superseded"
        job.superseded_at = now
    return jobs


def operation_states(
    uow: UnitOfWork, order_id: int, line: int, currency: str
) -> list[OperationState]:
    """The line's operations as the change-order rules see them, with what redoing costs."""
    rate = uow.session.get(orm.Tenant, uow.tenant_id).settings.get(
        "hourly_rate", DEFAULT_HOURLY_RATE
    )
    states = []
    for job in active_jobs(uow, order_id, line):
        for op in job.operations:
            minutes = min(op.durations.values()) if op.durations else 0
            states.append(
                OperationState(
                    name=f"{op.name} (unit {job.unit_id})",
                    status=OperationStatus(op.status if op.status != "paused" else "started"),
                    cost=Money(math.ceil(minutes * rate / 60), currency),
                    cut_off=op.cut_off,
                )
            )
    return states


def deliver_modification(uow: UnitOfWork, row: orm.Order, order: d.Order, now: datetime) -> None:
    """A delivered post-customization gives the unit a new as-built configuration version."""
    extra = row.lines[0]
    unit_row = uow.units.get(extra["unit_id"])
    unit = load_unit(unit_row)
    spec = extra["modification"]
    modification = Modification(
        ModificationKind(spec["kind"]),
        spec["changes"],
        spec["based_on_version"],
        spec["description"],
    )
    version = unit.apply_modification(modification, order.reference, now)
    write_unit(unit_row, unit)
    order.record(
        "unit_modified",
        now,
        "system",
        visibility=d.Visibility.CUSTOMER,
        data={"serial": unit.serial, "configuration_version": version.number},
    )
