"""Independent feasibility checker: recomputes every rule from the problem, not from the model.

Every plan goes through `check_plan` before it is stored, so a modelling slip in the solver
shows up as a violation rather than as a machine booked twice on the shop floor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from mcbackend.scheduling.problem import Assignment, Resource, SchedulingProblem


@dataclass(frozen=True)
class Violation:
    """One broken rule; `kind` is a stable code, `message` names the operations involved."""

    kind: str
    message: str


def _working_windows(resource: Resource) -> list[tuple[int, int]] | None:
    """The resource's windows minus its downtime, or None when it is always available.

    Deliberately not shared with the calendar module the solver uses: the checker recomputes
    everything on its own."""
    if resource.windows is None and not resource.downtime:
        return None
    windows = list(resource.windows) if resource.windows is not None else [(-(2**40), 2**40)]
    for down_start, down_end in resource.downtime:
        cut: list[tuple[int, int]] = []
        for start, end in windows:
            if down_end <= start or down_start >= end:
                cut.append((start, end))
                continue
            if start < down_start:
                cut.append((start, down_start))
            if down_end < end:
                cut.append((down_end, end))
        windows = cut
    return sorted(windows)


def _working_minutes(windows: Iterable[tuple[int, int]], start: int, end: int) -> int:
    return sum(max(0, min(end, w_end) - max(start, w_start)) for w_start, w_end in windows)


def _is_working(windows: Iterable[tuple[int, int]], minute: int) -> bool:
    return any(w_start <= minute < w_end for w_start, w_end in windows)


def check_plan(problem: SchedulingProblem, assignments: Iterable[Assignment]) -> list[Violation]:
    """All violations of `assignments` against `problem`; an empty list means feasible."""
    violations: list[Violation] = []

    def report(kind: str, message: str) -> None:
        violations.append(Violation(kind, message))

    operations = {op.id: op for op in problem.operations}
    jobs = {job.id: job for job in problem.jobs}
    resources = {res.id: res for res in problem.resources}
    frozen = {a.operation_id: a for a in problem.frozen}

    placed: dict[str, Assignment] = {}
    for assignment in assignments:
        if assignment.operation_id not in operations:
            report("unknown_operation", f"{assignment.operation_id} is not in the problem")
        elif assignment.operation_id in placed:
            report("duplicate", f"{assignment.operation_id} is assigned twice")
        else:
            placed[assignment.operation_id] = assignment
    for op_id in operations.keys() - placed.keys():
        report("unassigned", f"{op_id} has no assignment")

    for op_id, a in placed.items():
        op = operations[op_id]
        if op_id in frozen:
            if a != frozen[op_id]:
                report("frozen_moved", f"{op_id} is frozen at {frozen[op_id]} but placed at {a}")
            continue
        durations = {m.resource_id: m.duration for m in op.modes}
        if a.resource_id not in durations or a.resource_id not in resources:
            report("not_eligible", f"{op_id} cannot run on {a.resource_id}")
            continue
        release = max(op.release, jobs[op.job_id].release if op.job_id in jobs else 0)
        if a.start < release:
            report("release", f"{op_id} starts at {a.start} before its release {release}")
        duration = durations[a.resource_id]
        windows = _working_windows(resources[a.resource_id])
        if windows is None:
            if a.end - a.start != duration:
                report("duration", f"{op_id} lasts {a.end - a.start}, needs {duration}")
        elif op.splittable and duration > 0:
            worked = _working_minutes(windows, a.start, a.end)
            if worked != duration:
                report("duration", f"{op_id} works {worked} minutes, needs {duration}")
            if not _is_working(windows, a.start) or not _is_working(windows, a.end - 1):
                report("calendar", f"{op_id} starts or ends outside working time")
        else:
            if a.end - a.start != duration:
                report("duration", f"{op_id} lasts {a.end - a.start}, needs {duration}")
            if not any(ws <= a.start and a.end <= we for ws, we in windows):
                report("calendar", f"{op_id} [{a.start}, {a.end}) is not inside one window")

    for arc in problem.precedences:
        if arc.before not in placed or arc.after not in placed:
            continue
        lag = placed[arc.after].start - placed[arc.before].end
        if lag < arc.min_lag:
            report("precedence", f"{arc.after} starts {lag} after {arc.before}, min {arc.min_lag}")
        if arc.max_lag is not None and lag > arc.max_lag:
            report("max_lag", f"{arc.after} starts {lag} after {arc.before}, max {arc.max_lag}")

    by_resource: dict[str, list[Assignment]] = defaultdict(list)
    for a in placed.values():
        by_resource[a.resource_id].append(a)
    for res_id, booked in by_resource.items():
        resource = resources.get(res_id)
        if resource is None:
            continue
        if resource.capacity == 1:
            _check_sequence(problem, resource, booked, report)
        else:
            _check_capacity(problem, resource, booked, report)
    return violations


def _check_sequence(
    problem: SchedulingProblem,
    resource: Resource,
    booked: list[Assignment],
    report: Callable[[str, str], None],
) -> None:
    families = {op.id: op.setup_family for op in problem.operations}
    ordered = sorted(booked, key=lambda a: (a.start, a.end))
    for prev, nxt in pairwise(ordered):
        setup = resource.setup_times.get(
            (families[prev.operation_id], families[nxt.operation_id]), 0
        )
        if nxt.start < prev.end:
            report(
                "overlap", f"{prev.operation_id} and {nxt.operation_id} overlap on {resource.id}"
            )
        elif nxt.start < prev.end + setup:
            report(
                "setup",
                f"{nxt.operation_id} starts {nxt.start - prev.end} after "
                f"{prev.operation_id} on {resource.id}, setup needs {setup}",
            )


def _check_capacity(
    problem: SchedulingProblem,
    resource: Resource,
    booked: list[Assignment],
    report: Callable[[str, str], None],
) -> None:
    demand = {op.id: op.demand for op in problem.operations}
    events = sorted(
        [(a.start, demand[a.operation_id]) for a in booked]
        + [(a.end, -demand[a.operation_id]) for a in booked]
    )
    # Ends sort before starts at the same minute (negative deltas first): half-open intervals.
    load = 0
    for minute, delta in events:
        load += delta
        if load > resource.capacity:
            report("capacity", f"{resource.id} holds {load} > {resource.capacity} at {minute}")
            return
