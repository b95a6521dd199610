"""Solution-guided large neighbourhood search over the CP-SAT model.

Each step frees a neighbourhood of operations (a stretch of the critical path or a late job,
whole jobs, everything on a few resources, or a time window) and keeps the rest on their
resources *in their current order* but not at their current times, then lets a one-worker
CP-SAT solve the rest starting from the incumbent. Fixing order rather than times leaves the
kept operations room to slide, which is what lets a freed operation on the critical path pull
its whole chain earlier. Large models keep times too: their presolve would not fit in a step.
One search thread runs per worker; CP-SAT releases the GIL while it solves, so the threads
really run in parallel.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mcbackend.scheduling.model import ScheduleModel, solve_guarded

_STEP_LIMIT_S = 1.0
_MIN_FREE_OPS = 4
_INITIAL_SHARE = 0.2
_LARGE_MODEL_OPS = 600


@dataclass
class _Incumbent:
    values: list[int]
    objective: int


def improve(
    schedule: ScheduleModel,
    values: list[int],
    objective: int,
    bound: int | None,
    deadline: float,
    workers: int,
    seed: int,
) -> tuple[list[int], int]:
    """A solution vector no worse than `values`, searched until the `deadline` (monotonic) or
    until the objective reaches `bound`.

    `schedule` should be built without redundant constraints (they slow small neighbourhoods
    down more than they prune); `values` may belong to the full model, which only appends
    variables, so it is truncated to this model's.
    """
    best = _Incumbent(values[: len(schedule.model.proto.variables)], objective)
    # The base model carries the incumbent as its hint, so each step's clone inherits it
    # without a Python loop over every variable; the lock guards hint and incumbent together.
    schedule.set_hint(best.values)
    lock = threading.Lock()

    def search(worker: int) -> None:
        rng = random.Random(seed * 1009 + worker)
        large = len(schedule.movable_operations) > _LARGE_MODEL_OPS
        # Large models spend most of a step in presolve: fewer, longer, smaller steps.
        share = _INITIAL_SHARE / 5 if large else _INITIAL_SHARE
        step_limit = _STEP_LIMIT_S * 3 if large else _STEP_LIMIT_S
        while (left := deadline - time.monotonic()) > 0.05 and not (
            bound is not None and best.objective <= bound
        ):
            with lock:
                incumbent = best.values
                model = schedule.model.clone()
            free = _neighbourhood(schedule, incumbent, rng, share)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = min(step_limit, left)
            solver.parameters.random_seed = rng.randrange(1 << 30)
            # Small neighbourhoods are solved faster by propagation than by the LP.
            solver.parameters.linearization_level = 0
            _restrict(model, schedule, incumbent, free)
            status = solve_guarded(solver, model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = round(solver.objective_value)
                with lock:
                    # Equal objective is accepted: moving sideways diversifies the search.
                    if found <= best.objective:
                        best.values = list(solver.response_proto.solution)
                        best.objective = found
                        schedule.set_hint(best.values)
            # Grow the neighbourhood while steps are solved to optimality, shrink otherwise.
            share = min(0.8, share * 1.1) if status == cp_model.OPTIMAL else max(0.02, share * 0.9)

    threads = [
        threading.Thread(target=search, args=(w,), daemon=True) for w in range(max(1, workers))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return best.values, best.objective


def _neighbourhood(
    schedule: ScheduleModel, values: list[int], rng: random.Random, share: float
) -> set[str]:
    """Operation ids to free: a stretch of the critical path, whole jobs, all work on random
    resources, or a time window."""
    movable = schedule.movable_operations
    target = max(_MIN_FREE_OPS, round(share * len(movable)))
    kind = rng.randrange(4)
    if schedule.data.problem.weights.tardiness and rng.random() < 0.5:
        kind = 3  # late jobs are where tardiness is won
    free: set[str] = set()
    if kind == 3:
        late = _late_jobs(schedule, values)
        if late:
            free.update(schedule.operations_by_job[rng.choice(late)][:target])
        else:
            critical = _critical_operations(schedule, values)
            first = rng.randrange(max(1, len(critical) - target + 1))
            free.update(critical[first : first + target])
        kind = 2  # fill up with operations running around the same time
    if kind == 0:
        jobs = list(schedule.operations_by_job)
        rng.shuffle(jobs)
        for job_id in jobs:
            if len(free) >= target:
                break
            free.update(schedule.operations_by_job[job_id])
    elif kind == 1:
        assigned = _resource_of(schedule, values)
        by_resource: dict[str, list[str]] = defaultdict(list)
        for op_id in movable:
            by_resource[assigned[op_id]].append(op_id)
        resources = sorted(by_resource)
        rng.shuffle(resources)
        for resource_id in resources:
            if len(free) >= target:
                break
            free.update(by_resource[resource_id])
    else:
        seed_op = rng.choice(sorted(free) if free else movable)
        center = values[schedule.start[seed_op].index]
        by_distance = sorted(
            movable, key=lambda o: (abs(values[schedule.start[o].index] - center), o)
        )
        free.update(by_distance[: max(0, target - len(free))])
    return free & set(movable)


def _late_jobs(schedule: ScheduleModel, values: list[int]) -> list[str]:
    """Jobs with movable work that finish after their due date, when tardiness counts."""
    if not schedule.data.problem.weights.tardiness:
        return []
    late = []
    for job_id, op_ids in sorted(schedule.operations_by_job.items()):
        due = schedule.data.jobs[job_id].due
        if due is not None and max(values[schedule.end[o].index] for o in op_ids) > due:
            late.append(job_id)
    return late


def _critical_operations(schedule: ScheduleModel, values: list[int]) -> list[str]:
    """Movable operations that cannot end later without delaying the plan's last end, in
    start order: a backward pass over job arcs and the resource sequences of the plan."""
    start = {o: values[v.index] for o, v in schedule.start.items()}
    end = {o: values[v.index] for o, v in schedule.end.items()}
    assigned = _resource_of(schedule, values)
    order = sorted(start, key=lambda o: (start[o], end[o], o))
    next_on_resource: dict[str, str] = {}
    last_on_resource: dict[str, str] = {}
    for op_id in order:
        resource_id = assigned[op_id]
        if schedule.is_unary(resource_id):
            if resource_id in last_on_resource:
                next_on_resource[last_on_resource[resource_id]] = op_id
            last_on_resource[resource_id] = op_id
    horizon = max(end.values())
    latest_end: dict[str, int] = {}
    for op_id in reversed(order):
        latest = horizon
        for succ, lag in schedule.data.successors[op_id]:
            latest = min(latest, latest_end.get(succ, horizon) - (end[succ] - start[succ]) - lag)
        succ = next_on_resource.get(op_id)
        if succ is not None:
            latest = min(latest, latest_end[succ] - (end[succ] - start[succ]))
        latest_end[op_id] = latest
    movable = set(schedule.movable_operations)
    return [o for o in order if o in movable and latest_end[o] <= end[o]]


def _resource_of(schedule: ScheduleModel, values: list[int]) -> dict[str, str]:
    return {
        op_id: resource_id
        for (op_id, resource_id), presence in schedule.present.items()
        if values[presence.index]
    }


def _restrict(
    model: cp_model.CpModel, schedule: ScheduleModel, values: list[int], free: set[str]
) -> None:
    """Keep operations outside `free` on their resource and, on capacity-1 resources, in
    their order (`model` is a clone of the schedule's model)."""
    assigned = _resource_of(schedule, values)
    # In large models, presolve of an order-only restriction takes longer than a step may
    # last; kept operations then keep their times as well.
    keep_times = len(schedule.movable_operations) > _LARGE_MODEL_OPS
    sequences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for op_id in schedule.movable_operations:
        if op_id in free:
            continue
        resource_id = assigned[op_id]
        presence = schedule.present[op_id, resource_id]
        model.add(model.get_int_var_from_proto_index(presence.index) == 1)
        start = schedule.start[op_id].index
        if keep_times:
            model.add(model.get_int_var_from_proto_index(start) == values[start])
        if schedule.is_unary(resource_id):
            sequences[resource_id].append((values[schedule.start[op_id].index], op_id))
    for sequence in sequences.values():
        sequence.sort()
        for (_, before), (_, after) in itertools.pairwise(sequence):
            model.add(
                model.get_int_var_from_proto_index(schedule.end[before].index)
                <= model.get_int_var_from_proto_index(schedule.start[after].index)
            )
