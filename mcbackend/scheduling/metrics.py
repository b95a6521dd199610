"""Objective terms of a plan, computed from assignments alone (the model's objective agrees)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcbackend.scheduling.problem import Assignment, SchedulingProblem


@dataclass(frozen=True)
class PlanMetrics:
    makespan: int
    weighted_tardiness: int
    flow_time: int
    moved: int

    def objective(self, problem: SchedulingProblem) -> int:
        w = problem.weights
        return (
            w.tardiness * self.weighted_tardiness
            + w.makespan * self.makespan
            + w.flow_time * self.flow_time
            + w.stability * self.moved
        )


def plan_metrics(problem: SchedulingProblem, assignments: Iterable[Assignment]) -> PlanMetrics:
    """Makespan, weighted tardiness, flow time (job completion minus release) and the number of
    non-frozen operations that left their previous resource or start."""
    placed = {a.operation_id: a for a in assignments}
    completion: dict[str, int] = {}
    for op in problem.operations:
        if op.id in placed:
            completion[op.job_id] = max(completion.get(op.job_id, 0), placed[op.id].end)
    weighted_tardiness = 0
    flow_time = 0
    for job in problem.jobs:
        if job.id not in completion:
            continue
        flow_time += completion[job.id] - job.release
        if job.due is not None:
            weighted_tardiness += job.weight * max(0, completion[job.id] - job.due)
    frozen = {a.operation_id for a in problem.frozen}
    moved = sum(
        1
        for prev in problem.previous_plan
        if prev.operation_id not in frozen
        and prev.operation_id in placed
        and (placed[prev.operation_id].resource_id, placed[prev.operation_id].start)
        != (prev.resource_id, prev.start)
    )
    return PlanMetrics(
        makespan=max((a.end for a in placed.values()), default=0),
        weighted_tardiness=weighted_tardiness,
        flow_time=flow_time,
        moved=moved,
    )
