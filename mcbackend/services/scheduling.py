"""Planning a plant: schedule runs, publishing plans, ETAs, downtime and due-date quotes.

A run is a row first (queued), then executed by a worker (``execute_run``), which builds a
:class:`SchedulingProblem` from the database, solves it with the pure solver module and
stores the checked assignments. Publishing makes a run the plant's active, versioned plan
and moves every affected order's ETA, with timeline events when it slips past the promise.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters import metrics, orm
from mcbackend.adapters.repositories import ScheduleRunRepository
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import orders as d
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem
from mcbackend.domain.notifications import PLAN_PUBLISHED
from mcbackend.scheduling import calendar as cal
from mcbackend.scheduling import problem as p
from mcbackend.scheduling.solver import SolveOptions, solve
from mcbackend.services import claims
from mcbackend.services import orders as order_service

HORIZON_DAYS = 90
MAX_MATERIALS_WAIT = timedelta(days=365)
RUSH_WEIGHT = 5
# A run still "running" this long after its time limit lost its worker (a crash, a restart).
LOST_AFTER = timedelta(minutes=5)
# A queued run waits behind other plants' solves at most this long before it counts as lost.
QUEUE_TIMEOUT = timedelta(minutes=30)
MAX_TIME_LIMIT_S = 600.0  # the longest solve a run may ask for
ACTIVE_STATUSES = claims.ACTIVE_STATUSES
# Orders whose released jobs are planned (co-design orders have design jobs before that).
_PLANNED_ORDER_STATUSES = ("awaiting_design", "design_approved", "confirmed", "in_production")


# --- requesting and running --------------------------------------------------------------


def request_run(
    uow: UnitOfWork, plant_id: int, data: dict[str, Any], trigger: str, now: datetime
) -> orm.ScheduleRun:
    """Queue a run; a second one for the same plant while one is active is a 409."""
    uow.plants.get(plant_id)
    _expire_lost_runs(uow, plant_id, now)
    run = uow.schedule_runs.add(
        orm.ScheduleRun(
            plant_id=plant_id,
            status="queued",
            trigger=trigger,
            publish=data.get("publish", True),
            time_limit_s=data["time_limit_s"],
            workers=data["workers"],
            requested_at=now,
            summary={},
        )
    )
    try:
        uow.commit()
    except IntegrityError as exc:
        uow.session.rollback()
        active = uow.schedule_runs.list(
            orm.ScheduleRun.plant_id == plant_id, orm.ScheduleRun.status.in_(ACTIVE_STATUSES)
        )
        raise Conflict(
            "a schedule run for this plant is already queued or running",
            code="schedule_run_in_progress",
            extra={"active_run": active[0].id if active else None},
        ) from exc
    return run


def list_runs(
    uow: UnitOfWork, plant_id: int, page: int, page_size: int
) -> tuple[Sequence[orm.ScheduleRun], int]:
    uow.plants.get(plant_id)
    return uow.schedule_runs.page(
        page, page_size, orm.ScheduleRun.plant_id == plant_id, order_by=orm.ScheduleRun.id.desc()
    )


def list_downtimes(uow: UnitOfWork, resource_id: int) -> Sequence[orm.Downtime]:
    uow.resources.get(resource_id)
    return uow.downtimes.list(orm.Downtime.resource_id == resource_id, order_by=orm.Downtime.start)


def _expire_lost_runs(uow: UnitOfWork, plant_id: int, now: datetime) -> None:
    """Fail runs whose worker is gone, so they no longer hold the plant's one active slot:
    a running run past its time limit plus a grace period, and a queued run that no worker
    picked up within ``QUEUE_TIMEOUT`` (its task was lost with a restarted process)."""
    for run in uow.schedule_runs.list(
        orm.ScheduleRun.plant_id == plant_id, orm.ScheduleRun.status.in_(ACTIVE_STATUSES)
    ):
        lost = lost_at(run, LOST_AFTER)
        claims.fail_if_abandoned(run, now, lost, QUEUE_TIMEOUT, "the previous plan stays active")
    uow.commit()


def lost_at(run: orm.ScheduleRun, lost_after: timedelta) -> datetime:
    """When a run still "running" counts as abandoned by its worker."""
    started = run.started_at or run.requested_at
    return started + timedelta(seconds=run.time_limit_s) + lost_after


def execute_run(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    run_id: int,
    *,
    lost_after: timedelta = LOST_AFTER,
) -> datetime | None:
    """The worker's task: claim the run, solve, store, publish if asked.

    A queue may deliver a task twice or again after its worker died. A queued run is claimed
    atomically, so one delivery solves it; a run another worker is solving is left alone,
    and this returns when that claim counts as lost so the caller can try again then; a run
    abandoned past its time limit plus ``lost_after`` is taken over. Returns None when
    there is nothing left to do. Only a finished solve publishes, so the previous plan
    stays active until then; a worker whose claim was taken over stores nothing.
    """
    return claims.run_claimed(
        session_factory,
        tenant_id,
        ScheduleRunRepository,
        run_id,
        lambda run: lost_at(run, lost_after),
        lambda now, claim: _solve_and_store(session_factory, tenant_id, run_id, now, claim),
    )


def _solve_and_store(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    run_id: int,
    now: datetime,
    claim: datetime,
) -> None:
    with UnitOfWork(session_factory, tenant_id) as uow:
        run = uow.schedule_runs.get(run_id)
        snapshot = build_snapshot(uow, uow.plants.get(run.plant_id), now)
        result = solve(
            snapshot.problem, SolveOptions(time_limit_s=run.time_limit_s, workers=run.workers)
        )
        metrics.observe_solve(result.status, result.wall_s)
        if claims.still_claimed(uow.schedule_runs, run_id, claim) is None:
            return
        _store_result(uow, run, snapshot, result, _now())
        uow.commit()
        if run.status == "succeeded" and run.publish:
            publish_run(uow, run.id, _now())


def _now() -> datetime:
    return orm.utcnow()


# --- the problem -------------------------------------------------------------------------


@dataclass
class Snapshot:
    """A problem and how its string ids map back to rows."""

    origin: datetime
    problem: p.SchedulingProblem
    operations: dict[str, orm.Operation] = field(default_factory=dict)
    resources: dict[str, orm.Resource] = field(default_factory=dict)
    jobs: dict[str, orm.Job] = field(default_factory=dict)

    def at(self, minute: int) -> datetime:
        return self.origin + timedelta(minutes=minute)

    def minute(self, moment: datetime) -> int:
        return math.floor((moment - self.origin).total_seconds() / 60)


def _shifts(calendar: orm.ShiftCalendar | None) -> list[cal.Shift]:
    if calendar is None:
        return []
    return [
        cal.Shift(s["weekday"], time.fromisoformat(s["start"]), time.fromisoformat(s["end"]))
        for s in calendar.shifts
    ]


def _resources(
    uow: UnitOfWork, plant: orm.Plant, origin: datetime, until: datetime, families: set[str]
) -> tuple[list[p.Resource], dict[str, orm.Resource]]:
    calendars = {c.id: c for c in uow.calendars.list(orm.ShiftCalendar.plant_id == plant.id)}
    rows = uow.resources.list(orm.Resource.plant_id == plant.id, orm.Resource.active.is_(True))
    downtime: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for window in uow.downtimes.list(orm.Downtime.end > origin, orm.Downtime.start < until):
        downtime[window.resource_id].append((window.start, window.end))
    resources, by_id = [], {}
    for row in rows:
        calendar = calendars.get(row.calendar_id)
        windows = None
        if calendar is not None:
            holidays = [date.fromisoformat(h) for h in calendar.holidays]
            windows = tuple(
                cal.working_windows(
                    origin, until, _shifts(calendar), plant.timezone, holidays, downtime[row.id]
                )
            )
        elif downtime[row.id]:
            windows = tuple(
                cal.subtract_windows(
                    [(0, int((until - origin).total_seconds() // 60))],
                    [(_minutes(origin, s), _minutes(origin, e)) for s, e in downtime[row.id]],
                )
            )
        setups = {
            (a, b): row.setup_minutes
            for a in families
            for b in families
            if a != b and row.setup_minutes and row.capacity == 1
        }
        resources.append(
            p.Resource(str(row.id), capacity=row.capacity, windows=windows, setup_times=setups)
        )
        by_id[str(row.id)] = row
    return resources, by_id


def _minutes(origin: datetime, moment: datetime) -> int:
    return math.floor((moment - origin).total_seconds() / 60)


def planned_jobs(uow: UnitOfWork, plant_id: int, now: datetime) -> list[tuple[orm.Job, orm.Order]]:
    stmt = (
        select(orm.Job, orm.Order)
        .join(orm.Order, orm.Order.id == orm.Job.order_id)
        .where(
            orm.Job.tenant_id == uow.tenant_id,
            orm.Job.plant_id == plant_id,
            orm.Job.status == "released",
            orm.Order.status.in_(_PLANNED_ORDER_STATUSES),
            # An expired hold frees its capacity without anyone having to remove it.
            or_(orm.Job.expires_at.is_(None), orm.Job.expires_at > now),
        )
        .order_by(orm.Job.id)
    )
    return [(job, order) for job, order in uow.session.execute(stmt)]


def build_snapshot(
    uow: UnitOfWork,
    plant: orm.Plant,
    now: datetime,
    extra_jobs: Sequence[tuple[p.Job, Sequence[p.Operation], Sequence[p.Precedence]]] = (),
) -> Snapshot:
    """Everything the solver needs, in integer minutes from the earliest running operation."""
    jobs = planned_jobs(uow, plant.id, now)
    open_ops = [op for job, _ in jobs for op in job.operations if op.status != "done"]
    started = [op.started_at for op in open_ops if op.started_at is not None]
    origin = min([now, *started]).replace(second=0, microsecond=0)
    # Expected arrivals of materials not received yet, by job; work waiting for materials
    # due late needs the horizon to reach past their arrival.
    arrivals = {
        job.id: job.materials_expected_at
        for job, _ in jobs
        if materials_pending(job) and job.materials_expected_at is not None
    }
    until = max([origin, *arrivals.values()]) + timedelta(days=HORIZON_DAYS)
    families = {op.setup_family for op in open_ops if op.setup_family}
    resources, by_id = _resources(uow, plant, origin, until, families)
    snapshot = Snapshot(origin, p.SchedulingProblem((), (), ()), resources=by_id)
    groups: dict[str, list[orm.Resource]] = defaultdict(list)
    for row in by_id.values():
        for group in row.groups:
            groups[group].append(row)
    release_now = _minutes(origin, now)
    problem_jobs, operations, precedences, frozen = [], [], [], []
    tz = ZoneInfo(plant.timezone)
    for job, order in jobs:
        job_key = f"j{job.id}"
        snapshot.jobs[job_key] = job
        problem_jobs.append(
            p.Job(
                job_key,
                due=_due_minute(origin, order.promised_date, tz),
                weight=RUSH_WEIGHT if order.rush else 1,
            )
        )
        keys = {}
        materials_at = release_now
        if job.id in arrivals:
            # The first whole minute at which the materials are there.
            arrival = math.ceil((arrivals[job.id] - origin).total_seconds() / 60)
            materials_at = max(release_now, arrival)
        for op in job.operations:
            if op.status == "done":
                continue
            op_key = f"o{op.id}"
            keys[op.key] = op_key
            snapshot.operations[op_key] = op
            modes = tuple(
                p.Mode(str(resource.id), minutes)
                for group, minutes in sorted(op.durations.items())
                for resource in groups.get(group, [])
            )
            operations.append(
                p.Operation(
                    op_key,
                    job_key,
                    modes,
                    setup_family=op.setup_family,
                    splittable=op.splittable,
                    release=_release(op, release_now, materials_at),
                )
            )
            if op.started_at is not None and op.actual_resource_id is not None:
                start = _minutes(origin, op.started_at)
                minutes = op.durations.get(_group_of(by_id, op), min(op.durations.values()))
                frozen.append(
                    p.Assignment(op_key, str(op.actual_resource_id), start, start + minutes)
                )
        for arc in job.arcs:
            if arc["before"] in keys and arc["after"] in keys:
                precedences.append(
                    p.Precedence(
                        keys[arc["before"]], keys[arc["after"]], arc["min_lag"], arc["max_lag"]
                    )
                )
    for extra_job, extra_ops, extra_arcs in extra_jobs:
        problem_jobs.append(extra_job)
        # A prospective operation's release is an offset from now (its materials' lead time).
        operations += [
            p.Operation(
                o.id, o.job_id, o.modes, o.setup_family, o.splittable, release_now + o.release
            )
            for o in extra_ops
        ]
        precedences += extra_arcs
    snapshot.problem = p.SchedulingProblem(
        resources=tuple(resources),
        jobs=tuple(problem_jobs),
        operations=tuple(operations),
        precedences=tuple(precedences),
        frozen=tuple(frozen),
        previous_plan=tuple(_previous_plan(uow, plant, snapshot)),
        horizon=_minutes(origin, until),
    )
    return snapshot


def _release(op: orm.Operation, now: int, materials_at: int) -> int:
    """Started work is frozen at its start; work behind a materials gate waits for them."""
    if op.started_at is not None:
        return 0
    return materials_at if "materials" in op.gates else now


def _has_materials_gate(job: orm.Job) -> bool:
    return any("materials" in op.gates for op in job.operations)


def materials_pending(job: orm.Job) -> bool:
    """Some operation of the job waits for materials that have not been received."""
    return job.materials_received_at is None and _has_materials_gate(job)


def _waits_for_materials(op: orm.Operation) -> bool:
    """The operation has a materials gate and its job's materials have not arrived."""
    return "materials" in op.gates and op.job.materials_received_at is None


def _group_of(resources: dict[str, orm.Resource], op: orm.Operation) -> str:
    resource = resources.get(str(op.actual_resource_id))
    groups = [g for g in (resource.groups if resource else []) if g in op.durations]
    return groups[0] if groups else next(iter(op.durations))


def _due_minute(origin: datetime, promised: date | None, tz: ZoneInfo) -> int | None:
    if promised is None:
        return None
    end_of_day = datetime.combine(promised + timedelta(days=1), time(0), tz)
    return _minutes(origin, end_of_day)


def _previous_plan(uow: UnitOfWork, plant: orm.Plant, snapshot: Snapshot) -> list[p.Assignment]:
    if plant.active_run_id is None:
        return []
    rows = uow.session.scalars(
        select(orm.PlannedOperation).where(orm.PlannedOperation.run_id == plant.active_run_id)
    )
    plan = []
    for row in rows:
        key = f"o{row.operation_id}"
        if key in snapshot.operations and str(row.resource_id) in snapshot.resources:
            start = snapshot.minute(row.start)
            plan.append(p.Assignment(key, str(row.resource_id), start, snapshot.minute(row.end)))
    return plan


def _store_result(
    uow: UnitOfWork,
    run: orm.ScheduleRun,
    snapshot: Snapshot,
    result: p.SolveResult,
    now: datetime,
) -> None:
    problem = snapshot.problem
    run.origin = snapshot.origin
    run.summary = {
        "jobs": len(problem.jobs),
        "operations": len(problem.operations),
        "resources": len(problem.resources),
        "frozen": len(problem.frozen),
    }
    run.solver_status = result.status
    run.objective = result.objective
    run.best_bound = result.best_bound
    run.gap = result.gap
    run.wall_s = result.wall_s
    run.makespan_minutes = result.makespan
    run.weighted_tardiness = result.weighted_tardiness
    run.finished_at = now
    if result.status not in ("optimal", "feasible"):
        run.status = "failed"
        run.error = result.infeasible_reason or f"solver status {result.status}"
        return
    run.status = "succeeded"
    for a in result.assignments:
        uow.session.add(
            orm.PlannedOperation(
                tenant_id=uow.tenant_id,
                run_id=run.id,
                operation_id=snapshot.operations[a.operation_id].id,
                resource_id=int(a.resource_id),
                start=snapshot.at(a.start),
                end=snapshot.at(a.end),
            )
        )


# --- publishing --------------------------------------------------------------------------


def publish_run(uow: UnitOfWork, run_id: int, now: datetime) -> orm.ScheduleRun:
    """Make a succeeded run the plant's active plan and move the orders' ETAs."""
    run = uow.schedule_runs.get(run_id)
    if run.status != "succeeded":
        raise Conflict(
            f"only a succeeded run can be published; this one is {run.status}",
            code="run_not_publishable",
            extra={"run_status": run.status},
        )
    plant = uow.plants.get(run.plant_id, for_update=True)
    plant.active_run_id = run.id
    plant.plan_version += 1
    run.plan_version = plant.plan_version
    run.status = "published"
    run.published_at = now
    uow.outbox.add(
        orm.OutboxEvent(
            type=PLAN_PUBLISHED,
            payload={
                "type": PLAN_PUBLISHED,
                "timestamp": now.isoformat(),
                "data": {
                    "plant_id": plant.id,
                    "plan_version": plant.plan_version,
                    "run_id": run.id,
                },
            },
        )
    )
    uow.commit()
    _update_etas(uow, run, now)
    return run


def _update_etas(uow: UnitOfWork, run: orm.ScheduleRun, now: datetime) -> None:
    stmt = (
        select(orm.Job.order_id, orm.PlannedOperation.end)
        .join(orm.Operation, orm.Operation.id == orm.PlannedOperation.operation_id)
        .join(orm.Job, orm.Job.id == orm.Operation.job_id)
        .where(orm.PlannedOperation.run_id == run.id)
    )
    completion: dict[int, datetime] = {}
    for order_id, end in uow.session.execute(stmt):
        completion[order_id] = max(end, completion.get(order_id, end))
    for order_id, eta in sorted(completion.items()):
        edit = order_service.OrderEdit(uow, order_id, None)
        previous = edit.row.planned_completion
        if previous == eta:
            continue
        edit.row.planned_completion = eta
        promised = edit.row.promised_date
        data = {
            "eta": eta.isoformat(),
            "promised_date": promised.isoformat() if promised else None,
            "plan_version": run.plan_version,
        }
        edit.order.record(
            "eta_updated", now, "planner", visibility=d.Visibility.CUSTOMER, data=data
        )
        tz = ZoneInfo(uow.plants.get(run.plant_id).timezone)
        late = promised is not None and eta.astimezone(tz).date() > promised
        was_late = (
            promised is not None
            and previous is not None
            and previous.astimezone(tz).date() > promised
        )
        if late and not was_late:
            edit.order.record(
                "delayed", now, "planner", visibility=d.Visibility.CUSTOMER, data=data
            )
        edit.save()


# --- downtime and shop-floor reports -----------------------------------------------------


def add_downtime(uow: UnitOfWork, resource_id: int, data: dict[str, Any]) -> orm.Downtime:
    resource = uow.resources.get(resource_id)
    if data["end"] <= data["start"]:
        raise BusinessRuleViolation(
            "a downtime must end after it starts",
            code="invalid_window",
            errors=[FieldProblem("end", "before_start", "must be after start")],
        )
    window = uow.downtimes.add(
        orm.Downtime(
            resource_id=resource.id,
            start=data["start"],
            end=data["end"],
            kind=data["kind"],
            reason=data.get("reason", ""),
        )
    )
    uow.commit()
    return window


REPORT_TRANSITIONS = {
    "start": (("not_started", "paused"), "started"),
    "pause": (("started",), "paused"),
    "finish": (("started", "paused"), "done"),
    "scrap": (("started", "paused", "done"), "scrapped"),
}


def report_operation(
    uow: UnitOfWork, operation_id: int, data: dict[str, Any], now: datetime, actor: str
) -> orm.Operation:
    """A shop-floor report: start, pause, finish or scrap; actuals feed the next solve."""
    op = uow.operations.get(operation_id)
    job = op.job
    if job.status != "released":
        raise Conflict(
            f"the job of this operation is {job.status}; use its current job sheet",
            code="job_not_active",
        )
    allowed_from, to = REPORT_TRANSITIONS[data["event"]]
    if op.status not in allowed_from:
        raise Conflict(
            f"cannot {data['event']} an operation that is {op.status}",
            code="illegal_transition",
            extra={"operation_status": op.status},
        )
    if data["event"] == "start" and op.started_at is None and _waits_for_materials(op):
        raise Conflict(
            f"{op.name} waits for materials that have not been received",
            code="materials_not_received",
            extra={"job_id": job.id},
        )
    if data["event"] == "start" and op.started_at is None:
        resource_id = data.get("resource_id")
        resource = uow.resources.get(resource_id) if resource_id else None
        if resource is not None and not set(resource.groups) & set(op.durations):
            raise BusinessRuleViolation(
                f"{resource.name} cannot do {op.name}",
                code="resource_not_eligible",
                errors=[FieldProblem("resource_id", "not_eligible", "lacks the skill")],
            )
        op.started_at = now
        op.actual_resource_id = resource.id if resource else _planned_resource(uow, op)
    if to == "done":
        op.finished_at = now
    op.status = to
    edit = order_service.OrderEdit(uow, job.order_id, None)
    order = edit.order
    visibility = (
        d.Visibility.CUSTOMER if data["event"] in ("start", "finish") else (d.Visibility.INTERNAL)
    )
    order.record(
        f"operation_{to}",
        now,
        actor,
        visibility=visibility,
        data={"operation": op.name, "job": job.id, "note": data.get("note", "")},
    )
    if data["event"] == "start" and order.status is d.OrderStatus.CONFIRMED:
        order.start_production(now, actor)
    if (
        to == "done"
        and _all_done(uow, job.order_id)
        and order.status is d.OrderStatus.IN_PRODUCTION
    ):
        order.mark_ready(now, actor)
    edit.save()
    return op


def report_materials(
    uow: UnitOfWork, job_id: int, data: dict[str, Any], now: datetime, actor: str
) -> orm.Job:
    """Purchasing's news about a job's materials: when they are expected (the next solve
    plans the gated operations no earlier), or that they arrived (the shop floor may start
    them). Reporting an arrival twice changes nothing."""
    job = uow.jobs.get(job_id)
    if job.status != "released":
        raise Conflict(
            f"this job is {job.status}; report materials for its current job",
            code="job_not_active",
        )
    if not _has_materials_gate(job):
        raise Conflict("no operation of this job waits for materials", code="no_materials_gate")
    if job.materials_received_at is not None:
        if data["event"] == "received":
            return job
        raise Conflict(
            "the materials of this job have already been received",
            code="materials_already_received",
            extra={"received_at": job.materials_received_at.isoformat()},
        )
    edit = order_service.OrderEdit(uow, job.order_id, None)
    if data["event"] == "expected":
        if data["expected_at"] > now + MAX_MATERIALS_WAIT:
            raise BusinessRuleViolation(
                "materials expected more than a year ahead cannot be planned",
                code="too_far_ahead",
                errors=[FieldProblem("expected_at", "too_far_ahead", "at most 365 days ahead")],
            )
        job.materials_expected_at = data["expected_at"]
        edit.order.record(
            "materials_expected",
            now,
            actor,
            data={"job": job.id, "expected_at": data["expected_at"].isoformat(),
                  "note": data.get("note", "")},
        )
    else:
        job.materials_received_at = now
        edit.order.record(
            "materials_received",
            now,
            actor,
            visibility=d.Visibility.CUSTOMER,
            data={"job": job.id, "note": data.get("note", "")},
        )
    edit.save()
    return job


def _planned_resource(uow: UnitOfWork, op: orm.Operation) -> int | None:
    stmt = (
        select(orm.PlannedOperation.resource_id)
        .join(orm.Plant, orm.Plant.active_run_id == orm.PlannedOperation.run_id)
        .where(orm.PlannedOperation.operation_id == op.id)
    )
    return uow.session.scalar(stmt)


def _all_done(uow: UnitOfWork, order_id: int) -> bool:
    stmt = (
        select(orm.Operation.status)
        .join(orm.Job, orm.Job.id == orm.Operation.job_id)
        .where(orm.Job.order_id == order_id, orm.Job.status == "released")
    )
    return all(status in ("done", "scrapped") for status in uow.session.scalars(stmt))


# --- reading plans -----------------------------------------------------------------------


def plan_rows(
    uow: UnitOfWork,
    run_id: int,
    *,
    resource_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Assignments of a run with what a planner or operator needs to read them."""
    stmt = (
        select(orm.PlannedOperation, orm.Operation, orm.Job, orm.Order, orm.Resource)
        .join(orm.Operation, orm.Operation.id == orm.PlannedOperation.operation_id)
        .join(orm.Job, orm.Job.id == orm.Operation.job_id)
        .join(orm.Order, orm.Order.id == orm.Job.order_id)
        .join(orm.Resource, orm.Resource.id == orm.PlannedOperation.resource_id)
        .where(
            orm.PlannedOperation.run_id == run_id,
            orm.PlannedOperation.tenant_id == uow.tenant_id,
        )
        .order_by(orm.PlannedOperation.start, orm.PlannedOperation.id)
    )
    if resource_id is not None:
        stmt = stmt.where(orm.PlannedOperation.resource_id == resource_id)
    if start is not None:
        stmt = stmt.where(orm.PlannedOperation.end > start)
    if end is not None:
        stmt = stmt.where(orm.PlannedOperation.start < end)
    if open_only:
        stmt = stmt.where(orm.Operation.status.notin_(("done", "scrapped")))
    rows = []
    for planned, op, job, order, resource in uow.session.execute(stmt):
        line = order.lines[job.line] if job.line < len(order.lines) else {}
        rows.append(
            {
                "operation_id": op.id,
                "operation": op.name,
                "operation_status": op.status,
                "setup_family": op.setup_family,
                "waiting_for_materials": _waits_for_materials(op),
                "job_id": job.id,
                "unit_id": job.unit_id,
                "order_id": order.id,
                "order_reference": order.reference,
                "product": line.get("name", "Bespoke piece"),
                "resource_id": resource.id,
                "resource": resource.name,
                "start": planned.start,
                "end": planned.end,
            }
        )
    return rows


def active_plan(uow: UnitOfWork, plant_id: int) -> tuple[orm.Plant, list[dict[str, Any]]]:
    plant = uow.plants.get(plant_id)
    if plant.active_run_id is None:
        return plant, []
    return plant, plan_rows(uow, plant.active_run_id)


def dispatch_list(
    uow: UnitOfWork, resource_id: int, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """The next operations on one resource, in planned order, with setup changes marked."""
    resource = uow.resources.get(resource_id)
    plant = uow.plants.get(resource.plant_id)
    if plant.active_run_id is None:
        return []
    rows = plan_rows(
        uow, plant.active_run_id, resource_id=resource.id, start=start, end=end, open_only=True
    )
    previous = None
    for row in rows:
        row["setup_change"] = previous is not None and row["setup_family"] != previous
        previous = row["setup_family"]
    return rows
