"""Promising dates: the earliest a prospective configuration can be delivered without
moving committed work, and how each open option would move that date while configuring.

The active plan is frozen (committed orders keep their places, so none is pushed past its
due date) and the prospective job is added with a due date of "now" and a heavy weight, so
minimising weighted tardiness means finishing it as early as possible. A greedy dispatch
answers first; CP-SAT improves on it within the remaining time.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mcbackend import configurator
from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import pricing
from mcbackend.domain.catalog import ProductDefinition
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.jobs import JobSpec
from mcbackend.domain.jobs.expansion import expand
from mcbackend.scheduling import problem as p
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.solver import SolveOptions, solve
from mcbackend.services import production, tenants
from mcbackend.services.configuration import product_version, require_valid, resolve_files
from mcbackend.services.scheduling import Snapshot, build_snapshot

PROSPECT_WEIGHT = 1000
_PROSPECT = "prospect"


@dataclass(frozen=True)
class DueDate:
    completion: datetime
    local_date: date
    method: str  # dispatch | cp-sat
    plan_version: int
    wall_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "earliest_completion": self.completion.isoformat(),
            "earliest_date": self.local_date.isoformat(),
            "method": self.method,
            "plan_version": self.plan_version,
            "wall_ms": self.wall_ms,
        }


def _prospect(specs: list[JobSpec], groups: dict[str, list[str]]):
    """The prospective jobs as solver jobs, operations and arcs (ids prefixed 'prospect')."""
    out = []
    for spec in specs:
        job_id = f"{_PROSPECT}-{spec.unit}"
        job = p.Job(job_id, due=0, weight=PROSPECT_WEIGHT)
        ops = []
        for op in spec.operations:
            modes = tuple(
                p.Mode(resource, minutes)
                for group, minutes in sorted(op.durations.items())
                for resource in groups.get(group, [])
            )
            if not modes:
                raise BusinessRuleViolation(
                    f"no resource in this plant can do '{op.name}'",
                    code="no_eligible_resource",
                    errors=[FieldProblem("configuration", "no_eligible_resource", op.name)],
                )
            # Work waiting for materials starts no earlier than their lead time from now.
            lead = op.materials_lead_days * 24 * 60
            ops.append(
                p.Operation(
                    f"{job_id}-{op.id}", job_id, modes, op.setup_family, op.splittable, lead
                )
            )
        arcs = [
            p.Precedence(f"{job_id}-{a.before}", f"{job_id}-{a.after}", a.min_lag, a.max_lag)
            for a in spec.arcs
        ]
        out.append((job, ops, arcs))
    return out


def _frozen_plan(snapshot: Snapshot, problem: p.SchedulingProblem) -> p.SchedulingProblem:
    """Committed work stays where the active plan put it (future placements only)."""
    frozen = {a.operation_id: a for a in problem.frozen}
    for a in problem.previous_plan:
        if a.operation_id not in frozen and a.start >= 0:
            frozen[a.operation_id] = a
    return p.SchedulingProblem(
        problem.resources,
        problem.jobs,
        problem.operations,
        problem.precedences,
        tuple(frozen.values()),
        problem.previous_plan,
        problem.weights,
        problem.horizon,
    )


def _completion(assignments: list[p.Assignment] | tuple[p.Assignment, ...]) -> int | None:
    ends = [a.end for a in assignments if a.operation_id.startswith(_PROSPECT)]
    return max(ends) if ends else None


def earliest_completion(
    uow: UnitOfWork,
    plant: orm.Plant,
    specs: list[JobSpec],
    now: datetime,
    time_limit_s: float,
) -> DueDate:
    started = clock.monotonic()
    groups: dict[str, list[str]] = defaultdict(list)
    for resource in uow.resources.list(orm.Resource.plant_id == plant.id):
        if resource.active:
            for group in resource.groups:
                groups[group].append(str(resource.id))
    snapshot = build_snapshot(uow, plant, now, extra_jobs=_prospect(specs, groups))
    problem = _frozen_plan(snapshot, snapshot.problem)
    best, method = None, "dispatch"
    for rule in ("ect", "edd"):
        plan = dispatch(problem, rule)
        if plan is not None:
            end = _completion(plan)
            best = end if best is None or end < best else best
    remaining = time_limit_s - (clock.monotonic() - started)
    if remaining > 0.2:
        result = solve(problem, SolveOptions(time_limit_s=remaining, workers=1))
        end = _completion(result.assignments)
        if end is not None and (best is None or end < best):
            best, method = end, "cp-sat"
    if best is None:
        raise BusinessRuleViolation(
            "the plant cannot fit this work within the planning horizon",
            code="no_capacity",
        )
    completion = snapshot.at(best)
    return DueDate(
        completion,
        completion.astimezone(ZoneInfo(plant.timezone)).date(),
        method,
        plant.plan_version,
        round((clock.monotonic() - started) * 1000),
    )


def _specs(definition: ProductDefinition, configuration: dict[str, Any], quantity: int):
    template = production.job_templates()[definition.job_template]
    return expand(template, configuration, quantity, mode="pre")


def due_date_quote(
    uow: UnitOfWork, plant_id: int, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The earliest date a configuration can be delivered without moving committed work."""
    plant = uow.plants.get(plant_id)
    row, definition = product_version(uow, data["product_id"], data.get("version"))
    configuration = require_valid(definition, resolve_files(uow, definition, data["configuration"]))
    specs = _specs(definition, configuration, data.get("quantity", 1))
    due = earliest_completion(uow, plant, specs, now, data.get("time_limit_s", 1.5))
    return {"product_id": row.product_id, "version": row.version, **due.to_dict()}


def promise(
    uow: UnitOfWork, plant_id: int, product_id: int, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Price, earliest date, and how each open option value would move that date."""
    plant = uow.plants.get(plant_id)
    row, definition = product_version(uow, product_id, data.get("version"))
    partial = resolve_files(uow, definition, data["configuration"])
    completion = configurator.complete(definition, partial, "defaults")
    if not completion.completed:
        raise BusinessRuleViolation(
            completion.explanation.message if completion.explanation else "cannot be completed",
            code="not_completable",
            errors=[
                FieldProblem(f"configuration.{c}", "needs_input", "fill this in")
                for c in completion.needs_input
            ],
        )
    baseline = completion.configuration
    quantity = data.get("quantity", 1)
    quote = pricing.price(
        definition,
        baseline,
        version=row.version,
        today=now.date(),
        quantity=quantity,
        plan=tenants.tenant_payment_plan(uow),
    )
    base_specs = _specs(definition, baseline, quantity)
    base_due = earliest_completion(uow, plant, base_specs, now, data.get("time_limit_s", 1.0))
    effects = _option_effects(
        uow, plant, definition, partial, baseline, base_specs, base_due, quantity, now
    )
    return {
        "product_id": row.product_id,
        "version": row.version,
        "configuration": baseline,
        "price": quote.to_dict(),
        "due_date": base_due.to_dict(),
        "option_effects": effects,
    }


def _signature(specs: list[JobSpec]) -> tuple:
    return tuple(
        (op.id, tuple(sorted(op.durations.items())), op.materials_lead_days)
        for spec in specs
        for op in spec.operations
    )


def _option_effects(
    uow: UnitOfWork,
    plant: orm.Plant,
    definition: ProductDefinition,
    partial: dict[str, Any],
    baseline: dict[str, Any],
    base_specs: list[JobSpec],
    base_due: DueDate,
    quantity: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """For open choice values that change the work: the date they would give instead."""
    state = configurator.propagate(definition, partial)
    base_signature = _signature(base_specs)
    dates: dict[tuple, DueDate] = {}
    effects = []
    for attribute in definition.attributes:
        if attribute.code in partial or attribute.type not in ("choice", "boolean"):
            continue
        possible = state.attributes[attribute.code].possible or []
        for value in possible:
            if value == baseline.get(attribute.code):
                continue
            candidate = {**baseline, attribute.code: value}
            if not configurator.validate(definition, candidate).valid:
                continue  # this value needs other choices to change too: no clean comparison
            specs = _specs(definition, candidate, quantity)
            signature = _signature(specs)
            if signature == base_signature:
                continue
            if signature not in dates:
                dates[signature] = earliest_completion(uow, plant, specs, now, 0.0)
            shift = _working_days_between(base_due.local_date, dates[signature].local_date)
            label = (
                f"{attribute.label}: {'yes' if value else 'no'}"
                if attribute.type == "boolean"
                else attribute.value_label(value)
            )
            effects.append(
                {
                    "attribute": attribute.code,
                    "value": value,
                    "label": label,
                    "earliest_date": dates[signature].local_date.isoformat(),
                    "working_days": shift,
                    "message": f"{label}: {'+' if shift >= 0 else ''}{shift} working days",
                }
            )
    return effects


def _working_days_between(start: date, end: date) -> int:
    sign = 1 if end >= start else -1
    low, high = sorted((start, end))
    return sign * pricing.working_days_between(low, high)
