"""Window large neighbourhood search for large plants: every step builds a small CP-SAT model.

Cloning the full model of a plant with thousands of operations costs most of a step in copying
and presolve. Here a step frees a few dozen operations (around one moment of the plan, around a
late job and its competitors, or on a few parallel machines) and models only those: kept
operations are fixed, so on a capacity-1 resource they shrink each free operation's start
domain to the gaps between them (less the setups to and from their families), on a resource
with capacity they enter the cumulative as fixed intervals, and across precedences their times
bound the free operations' starts and ends. The calendar enters the start domains as in the
full model. A step then builds in milliseconds and usually solves to optimality in a fraction
of a second, so the search runs many of them. Frozen operations never move, and neither do
split operations on a calendar (their end is not a fixed distance from their start).

Kept operations do not move, so every step's objective is exact up to a constant. To make
progress where a step cannot reach a job's last operation, a second, smaller term counts
operation lateness: each operation's end past its job's due date minus the work still after it.
A step is accepted when the plan's (objective, lateness) does not get worse, and only after the
checker agrees with the plan it produces.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.model import ProblemData, run_workers, solve_guarded
from mcbackend.scheduling.problem import Assignment

# Free operations per step: start size and limits; grown while steps solve to optimality.
_INITIAL_FREE = 60
_MIN_FREE = 12
_MAX_FREE = 400
_STEP_LIMIT_S = 0.2
# One minute of the objective outweighs this many minutes of weighted operation lateness.
_OBJECTIVE_SCALE = 10
# Share of steps centred on a late job (weighted by its tardiness) rather than anywhere.
_LATE_FOCUS = 0.9
# Minutes a free operation may end after the latest free operation ends in the plan.
_HORIZON_SLACK = 120
_KINDS = ("moment", "job", "machines")

Window = tuple[int, int]


@dataclass(frozen=True)
class _Incumbent:
    plan: dict[str, Assignment]
    score: tuple[int, int]


class _Plant:
    """The problem indexed for steps: arcs with both lags, operation due dates, eligible modes
    and the operations a step may free."""

    def __init__(self, data: ProblemData) -> None:
        self.data = data
        problem = data.problem
        self.problem = problem
        self.weights = problem.weights
        self.successors: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)
        self.predecessors: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)
        for arc in problem.precedences:
            self.successors[arc.before].append((arc.after, arc.min_lag, arc.max_lag))
            self.predecessors[arc.after].append((arc.before, arc.min_lag, arc.max_lag))
        self.release = {op.id: data.release(op) for op in problem.operations}
        self.family = {op.id: op.setup_family for op in problem.operations}
        self.demand = {op.id: op.demand for op in problem.operations}
        self.job_of = {op.id: op.job_id for op in problem.operations}
        self.ops_by_job: dict[str, list[str]] = defaultdict(list)
        for op in problem.operations:
            self.ops_by_job[op.job_id].append(op.id)
        # A split operation's end depends on the calendar in a way the gap domains do not
        # model: those stay where they are.
        self.movable = [
            op_id
            for op_id in data.order
            if op_id not in data.frozen
            and not (
                data.operations[op_id].splittable
                and any(data.windows[r] is not None for r, _ in data.modes[op_id])
            )
        ]
        # The latest end that still lets the job finish on time (None: no due date).
        self.op_due: dict[str, int] = {}
        for op_id in data.modes:
            job = data.jobs[self.job_of[op_id]]
            if job.due is not None:
                self.op_due[op_id] = job.due - data.tail[op_id]
        self.movable_set = set(self.movable)
        self.resources_of = {op_id: [r for r, _ in modes] for op_id, modes in data.modes.items()}
        self.previous = {
            a.operation_id: a for a in problem.previous_plan if a.operation_id not in data.frozen
        }
        self.max_setup = {
            r.id: max(r.setup_times.values(), default=0) for r in problem.resources
        }
        self.window_bounds = {
            r: ([s for s, _ in w], [e for _, e in w])
            for r, w in data.windows.items()
            if w is not None
        }

    def score(self, plan: dict[str, Assignment]) -> tuple[int, int]:
        """(objective, weighted operation lateness) of a complete plan."""
        objective = plan_metrics(self.problem, plan.values()).objective(self.problem)
        lateness = 0
        for op_id, due in self.op_due.items():
            end = plan[op_id].end
            if end > due:
                lateness += self.data.jobs[self.job_of[op_id]].weight * (end - due)
        return objective, lateness

    def movable_on(self, plan: dict[str, Assignment], resources: Sequence[str]) -> list[str]:
        """Operations a step may free that the plan puts on one of `resources`."""
        return [o for o in self.movable if plan[o].resource_id in resources]

    def late_jobs(self, plan: dict[str, Assignment]) -> list[tuple[str, int]]:
        """(job, weighted tardiness) of late jobs with an operation a step may free."""
        late = []
        for job_id, op_ids in sorted(self.ops_by_job.items()):
            due = self.data.jobs[job_id].due
            if due is None or not self.movable_set.intersection(op_ids):
                continue
            completion = max(plan[o].end for o in op_ids)
            if completion > due:
                late.append((job_id, self.data.jobs[job_id].weight * (completion - due)))
        return late


def improve_plan(
    data: ProblemData,
    plan: Sequence[Assignment],
    deadline: float,
    workers: int,
    seed: int,
    bound: int = 0,
) -> list[Assignment]:
    """A plan no worse than `plan` (complete and checked), searched until `deadline`
    (monotonic) or until its objective reaches `bound`."""
    plant = _Plant(data)
    if not plant.movable:
        return list(plan)
    start = {a.operation_id: a for a in plan}
    best = _Incumbent(start, plant.score(start))
    # Workers share the incumbent: a step's result is merged into the plan as it is when the
    # step ends (another worker may have changed it) and checked again.
    lock = threading.Lock()

    def search(worker: int) -> None:
        nonlocal best
        rng = random.Random(seed * 1009 + worker)
        sizes = dict.fromkeys(_KINDS, float(_INITIAL_FREE))
        while (left := deadline - time.monotonic()) > 0.02 and best.score[0] > bound:
            incumbent = best
            kind = rng.choice(_KINDS)
            free = _neighbourhood(plant, incumbent.plan, rng, kind, round(sizes[kind]))
            moved, optimal = _solve_step(
                plant, incumbent.plan, free, min(_STEP_LIMIT_S, left), rng.randrange(1 << 30)
            )
            # Grow while steps are solved to optimality, shrink otherwise.
            size = sizes[kind]
            sizes[kind] = min(_MAX_FREE, size * 1.05) if optimal else max(_MIN_FREE, size * 0.9)
            if not moved:
                continue
            with lock:
                merged = dict(best.plan)
                merged.update(moved)
                if merged == best.plan or check_plan(plant.problem, merged.values()):
                    continue
                score = plant.score(merged)
                # Equal scores are accepted: moving sideways diversifies the search.
                if score <= best.score:
                    best = _Incumbent(merged, score)

    run_workers(search, workers)
    return sorted(best.plan.values(), key=lambda a: (a.start, a.operation_id))


def _neighbourhood(
    plant: _Plant, plan: dict[str, Assignment], rng: random.Random, kind: str, size: int
) -> set[str]:
    """About `size` operations to free around a late job (or, without one, a random
    operation): those running nearest to one of its operations on every resource (`moment`),
    nearest to each of its operations on the resources that operation may use (`job`), or
    nearest to one of its operations on that operation's parallel machines (`machines`)."""
    late = plant.late_jobs(plan) if rng.random() < _LATE_FOCUS else []
    if late:
        job_id = rng.choices([j for j, _ in late], weights=[t for _, t in late])[0]
        own = [o for o in plant.ops_by_job[job_id] if o in plant.movable_set]
    else:
        own = [rng.choice(plant.movable)]
    seed_op = rng.choice(own)
    if kind == "moment":
        anchors = [(seed_op, plant.movable)]
    elif kind == "job":
        anchors = [(o, plant.movable_on(plan, plant.resources_of[o])) for o in own]
    else:
        anchors = [(seed_op, plant.movable_on(plan, plant.resources_of[seed_op]))]
    free = set(own)
    share = max(1, (size - len(free)) // len(anchors))
    for anchor, candidates in anchors:
        center = plan[anchor].start
        free.update(sorted(candidates, key=lambda o: (abs(plan[o].start - center), o))[:share])
    return free


def _solve_step(
    plant: _Plant,
    plan: dict[str, Assignment],
    free: set[str],
    time_limit_s: float,
    seed: int,
) -> tuple[dict[str, Assignment], bool]:
    """New assignments of the `free` operations with everything else kept, and whether the
    step was solved to optimality; an empty dict when nothing better was found."""
    data = plant.data
    model = cp_model.CpModel()
    kept_by_resource: dict[str, list[Assignment]] = defaultdict(list)
    kept_end = 0
    for op_id, a in plan.items():
        if op_id not in free:
            kept_by_resource[a.resource_id].append(a)
            kept_end = max(kept_end, a.end)
    for bookings in kept_by_resource.values():
        bookings.sort(key=lambda a: (a.start, a.end))
    kept_ends = {r: [a.end for a in bookings] for r, bookings in kept_by_resource.items()}
    # Free operations may end a little after the last of them ends now, not anywhere later.
    horizon = max(plan[o].end for o in free) + _HORIZON_SLACK

    start: dict[str, cp_model.IntVar] = {}
    end: dict[str, cp_model.IntVar] = {}
    present: dict[tuple[str, str], cp_model.IntVar] = {}
    intervals: dict[str, list[tuple[str, cp_model.IntervalVar]]] = defaultdict(list)
    earliest: dict[str, int] = {}
    for op_id in sorted(free):
        earliest_start, latest_start = plant.release[op_id], horizon
        earliest_end, latest_end = 0, horizon
        for before, min_lag, max_lag in plant.predecessors[op_id]:
            if before not in free:
                earliest_start = max(earliest_start, plan[before].end + min_lag)
                if max_lag is not None:
                    latest_start = min(latest_start, plan[before].end + max_lag)
        for after, min_lag, max_lag in plant.successors[op_id]:
            if after not in free:
                latest_end = min(latest_end, plan[after].start - min_lag)
                if max_lag is not None:
                    earliest_end = max(earliest_end, plan[after].start - max_lag)
        modes = []
        for resource_id, duration in data.modes[op_id]:
            low = max(earliest_start, earliest_end - duration)
            high = min(latest_start, latest_end - duration)
            if low > high:
                continue
            fits = _mode_starts(
                plant,
                kept_by_resource[resource_id],
                kept_ends.get(resource_id, []),
                op_id,
                resource_id,
                duration,
                low,
                high,
            )
            if fits:
                modes.append((resource_id, duration, fits))
        if not modes:
            return {}, False  # the step's bounds leave this operation no room
        union = cp_model.Domain.from_intervals([list(w) for _, _, f in modes for w in f])
        earliest[op_id] = union.min()
        start[op_id] = model.new_int_var_from_domain(union, f"start[{op_id}]")
        end[op_id] = model.new_int_var(0, horizon, f"end[{op_id}]")
        for resource_id, duration, fits in modes:
            name = f"{op_id}@{resource_id}"
            if len(modes) == 1:
                presence = model.new_constant(1)
                interval = model.new_fixed_size_interval_var(start[op_id], duration, name)
            else:
                presence = model.new_bool_var(f"present[{name}]")
                mode_start = model.new_int_var_from_domain(
                    cp_model.Domain.from_intervals([list(w) for w in fits]), f"start[{name}]"
                )
                model.add(start[op_id] == mode_start).only_enforce_if(presence)
                interval = model.new_optional_fixed_size_interval_var(
                    mode_start, duration, presence, name
                )
            present[op_id, resource_id] = presence
            intervals[resource_id].append((op_id, interval))
        if len(modes) > 1:
            model.add_exactly_one(present[op_id, r] for r, _, _ in modes)
        model.add(end[op_id] == start[op_id] + sum(d * present[op_id, r] for r, d, _ in modes))

    for op_id in free:
        for after, min_lag, max_lag in plant.successors[op_id]:
            if after in free:
                model.add(start[after] >= end[op_id] + min_lag)
                if max_lag is not None:
                    model.add(start[after] <= end[op_id] + max_lag)

    for resource_id, booked in sorted(intervals.items()):
        resource = data.resources[resource_id]
        if resource.capacity > 1:
            low = min(earliest[o] for o, _ in booked)
            fixed = [
                (model.new_fixed_size_interval_var(a.start, a.end - a.start,
                                                   f"kept[{a.operation_id}]"),
                 plant.demand[a.operation_id])
                for a in kept_by_resource[resource_id]
                if a.end > low
            ]
            model.add_cumulative(
                [i for _, i in booked] + [i for i, _ in fixed],
                [plant.demand[o] for o, _ in booked] + [d for _, d in fixed],
                resource.capacity,
            )
            continue
        model.add_no_overlap([i for _, i in booked])
        _add_setups(model, plant, resource_id, [o for o, _ in booked], start, end, present)

    terms = _objective_terms(model, plant, plan, free, start, end, present, kept_end, horizon)
    primary, lateness = terms
    model.minimize(_OBJECTIVE_SCALE * sum(primary) + sum(lateness))

    # Starts with a single possible value are shared constants: hint each variable once.
    hints: dict[int, tuple[cp_model.IntVar, int]] = {}
    for op_id in free:
        a = plan[op_id]
        hints[start[op_id].index] = (start[op_id], a.start)
        hints[end[op_id].index] = (end[op_id], a.end)
        for resource_id, _ in data.modes[op_id]:
            if (op_id, resource_id) in present:
                presence = present[op_id, resource_id]
                hints[presence.index] = (presence, int(resource_id == a.resource_id))
    for var, value in hints.values():
        model.add_hint(var, value)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.random_seed = seed
    # Small neighbourhoods are solved faster by propagation than by the LP.
    solver.parameters.linearization_level = 0
    status = solve_guarded(solver, model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}, False
    moved = {}
    for (op_id, resource_id), presence in present.items():
        if solver.value(presence):
            a = Assignment(op_id, resource_id, solver.value(start[op_id]), solver.value(end[op_id]))
            if a != plan[op_id]:
                moved[op_id] = a
    return moved, status == cp_model.OPTIMAL


def _mode_starts(
    plant: _Plant,
    kept: list[Assignment],
    kept_ends: list[int],
    op_id: str,
    resource_id: str,
    duration: int,
    low: int,
    high: int,
) -> list[Window]:
    """Closed ranges of starts in [low, high] where the operation fits on the resource between
    the kept operations (with setups on a capacity-1 resource) and inside one working window."""
    if plant.data.resources[resource_id].capacity == 1:
        gaps = _gaps(plant, kept, kept_ends, op_id, resource_id, duration, low, high)
    else:
        gaps = [(low, high + duration)]
    windows = plant.data.windows[resource_id]
    if windows is not None:
        window_starts, window_ends = plant.window_bounds[resource_id]
        first = bisect.bisect_right(window_ends, low)
        last = bisect.bisect_right(window_starts, high)
        windows = windows[first:last]
    else:
        windows = [(low, high + duration)]
    fits: list[Window] = []
    g = w = 0
    while g < len(gaps) and w < len(windows):
        lo = max(gaps[g][0], windows[w][0], low)
        hi = min(gaps[g][1], windows[w][1]) - duration
        hi = min(hi, high)
        if lo <= hi:
            fits.append((lo, hi))
        if gaps[g][1] < windows[w][1]:
            g += 1
        else:
            w += 1
    return fits


def _gaps(
    plant: _Plant,
    kept: list[Assignment],
    kept_ends: list[int],
    op_id: str,
    resource_id: str,
    duration: int,
    low: int,
    high: int,
) -> list[Window]:
    """Half-open stretches between the kept operations of a capacity-1 resource (sorted) that
    the operation may occupy, setups to and from its neighbours included, for starts in
    [low, high]."""
    setups = plant.data.resources[resource_id].setup_times
    family = plant.family[op_id]
    # Kept operations ending before `low` by more than any setup cannot constrain it.
    first = bisect.bisect_right(kept_ends, low - plant.max_setup[resource_id])
    gaps: list[Window] = []
    ready = low
    for a in kept[first:]:
        other = plant.family[a.operation_id]
        gap_end = a.start - setups.get((family, other), 0)
        if gap_end - ready >= duration:
            gaps.append((ready, gap_end))
        ready = max(ready, a.end + setups.get((other, family), 0))
        if ready > high or gap_end >= high + duration:
            return gaps
    gaps.append((ready, high + duration))
    return gaps


def _add_setups(
    model: cp_model.CpModel,
    plant: _Plant,
    resource_id: str,
    op_ids: list[str],
    start: dict[str, cp_model.IntVar],
    end: dict[str, cp_model.IntVar],
    present: dict[tuple[str, str], cp_model.IntVar],
) -> None:
    """Pairwise setups between free operations on one resource: exact when setup times satisfy
    the triangle inequality, and on the safe side otherwise."""
    setups = plant.data.resources[resource_id].setup_times
    if not setups:
        return
    for i, op_i in enumerate(op_ids):
        for op_j in op_ids[i + 1 :]:
            forward = setups.get((plant.family[op_i], plant.family[op_j]), 0)
            backward = setups.get((plant.family[op_j], plant.family[op_i]), 0)
            if forward == backward == 0:
                continue
            both = [present[op_i, resource_id], present[op_j, resource_id]]
            first = model.new_bool_var(f"before[{op_i}->{op_j}@{resource_id}]")
            model.add(start[op_j] >= end[op_i] + forward).only_enforce_if([first, *both])
            model.add(start[op_i] >= end[op_j] + backward).only_enforce_if([~first, *both])


def _objective_terms(
    model: cp_model.CpModel,
    plant: _Plant,
    plan: dict[str, Assignment],
    free: set[str],
    start: dict[str, cp_model.IntVar],
    end: dict[str, cp_model.IntVar],
    present: dict[tuple[str, str], cp_model.IntVar],
    kept_end: int,
    horizon: int,
) -> tuple[list[cp_model.LinearExprT], list[cp_model.LinearExprT]]:
    """The objective's terms that the free operations change, and their weighted lateness."""
    weights = plant.weights
    primary: list[cp_model.LinearExprT] = []
    if weights.makespan:
        makespan = model.new_int_var(kept_end, max(kept_end, horizon), "makespan")
        for op_id in free:
            model.add(makespan >= end[op_id])
        primary.append(weights.makespan * makespan)
    by_job: dict[str, list[str]] = defaultdict(list)
    for op_id in sorted(free):
        by_job[plant.job_of[op_id]].append(op_id)
    lateness: list[cp_model.LinearExprT] = []
    for job_id, op_ids in by_job.items():
        job = plant.data.jobs[job_id]
        counts_tardiness = weights.tardiness and job.due is not None
        if counts_tardiness or weights.flow_time:
            done = max((plan[o].end for o in plant.ops_by_job[job_id] if o not in free),
                       default=0)
            completion = model.new_int_var(done, max(done, horizon), f"completion[{job_id}]")
            for op_id in op_ids:
                model.add(completion >= end[op_id])
            if weights.flow_time:
                primary.append(weights.flow_time * completion)
            if counts_tardiness:
                late = model.new_int_var(0, horizon, f"tardiness[{job_id}]")
                model.add(late >= completion - job.due)
                primary.append(weights.tardiness * job.weight * late)
        for op_id in op_ids:
            if op_id in plant.op_due:
                overdue = model.new_int_var(0, horizon, f"overdue[{op_id}]")
                model.add(overdue >= end[op_id] - plant.op_due[op_id])
                lateness.append(job.weight * overdue)
    if weights.stability:
        for op_id in sorted(free):
            prev = plant.previous.get(op_id)
            if prev is None:
                continue
            key = (op_id, prev.resource_id)
            if key not in present:
                primary.append(weights.stability)
                continue
            stays = model.new_bool_var(f"stays[{op_id}]")
            model.add_implication(stays, present[key])
            model.add(start[op_id] == prev.start).only_enforce_if(stays)
            primary.append(weights.stability * (1 - stays))
    return primary, lateness
