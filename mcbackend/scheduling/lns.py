"""Solution-guided large neighbourhood search with a small CP-SAT model per step.

Each step frees a neighbourhood of operations (a stretch of the critical path or a late job,
whole jobs, everything on a few resources, or a time window) and keeps the rest on their
resources *in their current order* but not at their current times. The step's model is built
afresh for just that: a kept operation has one mode (no presence literal, no alternatives),
a freed one all of its modes, so the model is a fraction of the full one and presolve takes
milliseconds instead of most of the step. Fixing order rather than times leaves the kept
operations room to slide, which is what lets a freed operation on the critical path pull its
whole chain earlier. Large models keep times too: sliding everything does not fit in a step.
One search thread runs per worker; CP-SAT releases the GIL while it solves, so the threads
really run in parallel. On a plain flexible job shop (makespan alone, no calendars, setups or
frozen work) the first worker runs tabu search on the critical path instead, in Python: the
two trade plans through the shared incumbent, the tabu search bringing fast descent and the
steps the larger rearrangements that single moves cannot reach.

With makespan alone, some steps compact the plan (every operation as early as the makespan
allows) and a share of those justify it to the right instead (every operation as late as the
makespan allows): the forward-backward improvement known from project scheduling. A right step
moves the search sideways at the same makespan, and the left steps after it pack the plan from
the other end, which reorders work that left compaction alone leaves where it is. Another
share gives the freed operations their fastest modes that keep the makespan, which is what
a plan with every machine busy needs before it can get shorter.
"""

from __future__ import annotations

import copy
import itertools
import random
import threading
import time
from collections import defaultdict
from collections.abc import Mapping

from ortools.sat.python import cp_model

from mcbackend.scheduling import tabu
from mcbackend.scheduling.model import ProblemData, ScheduleModel, run_workers, solve_guarded
from mcbackend.scheduling.problem import Assignment

_STEP_LIMIT_S = 0.3
_MIN_FREE_OPS = 4
_INITIAL_SHARE = 0.2
_LARGE_MODEL_OPS = 600
# Share of makespan-only steps that also compact the plan (see `_Search.compact`).
_COMPACT_SHARE = 0.5
# Share of compacting steps that justify to the right instead. At 30 s and 2 workers, eight
# runs each of Mk06, Mk07 and Mk10 with 0.3 against none: mean makespans 58.5 / 141.0 / 203.6
# against 59.1 / 142.0 / 204.4.
_RIGHT_SHARE = 0.3
# Share of the other compacting steps that, at the same makespan, minimise the work of the
# freed operations (shorter modes) rather than their ends. Where every machine is busy from
# start to end, as on Mk07, the plan can only get shorter once there is less work: such a
# step trades a faster mode for idle time that the next steps close. At 30 s and 2 workers,
# eight runs of Mk07 with 0.6 against none ended at 139-141 (mean 140.0) against 139-144
# (140.75); Mk05 reached its best known 172 in two of three runs (seeds 1 and 2), where
# every earlier benchmark run had stopped at 173. Mk06 and Mk10 stayed where they were.
_LOAD_SHARE = 0.6
# What a step frees: whole jobs, all work on a few resources, a time window, or a stretch of
# the critical path (of a late job when due dates count), filled up with work around it.
_KINDS = ("jobs", "resources", "window", "late")
# With makespan alone, a stretch of the critical path is where steps pay: in a run on Mk10,
# 15 of 62 such steps shortened the plan, against 2 of 114 freeing jobs or time windows. The
# other kinds keep some share for diversity (Mk06 does no better without them).
_MAKESPAN_KIND_WEIGHTS = (2, 2, 1, 5)
# On plain makespan problems one worker runs tabu search (`tabu`) instead of CP-SAT steps. At
# 30 s and 2 workers, Mk10 seeds 1-5 ended at 199-201 (mean 200.0) with it and at 202-203
# (202.8) without it: tabu search descends from the greedy plan in seconds, where the steps
# took most of the run. It trades plans with the steps every `_TABU_CHUNK_S`, and starts
# over from the shared best plan after `_TABU_PATIENCE` moves without finding better.
_TABU_WORKER = True
_TABU_CHUNK_S = 0.2
_TABU_PATIENCE = 4000

Plan = Mapping[str, Assignment]


class _Search:
    """The incumbent shared by the search threads, and what every step needs to know.

    Plans are compared by score. With makespan alone the score is the makespan, then the sum
    of operation ends: a plan as long as the incumbent but with its work further left is
    progress. Without that tie-break a step on a plateau returns its own hint, and the search
    stalls at the first plan no neighbourhood can shorten; compacting opens the slack that
    the next step needs to shorten the plan. A right-justified plan, or one with less work,
    replaces the incumbent at the same makespan although its score is worse; `best` keeps the
    best-scored plan, which is what the search returns.
    """

    def __init__(self, data: ProblemData, plan: list[Assignment], objective: int) -> None:
        self.data = data
        self.plan: dict[str, Assignment] = {a.operation_id: a for a in plan}
        self.lock = threading.Lock()
        self.movable = [o for o in data.order if o not in data.frozen]
        self.operations_by_job: dict[str, list[str]] = defaultdict(list)
        for op_id in self.movable:
            self.operations_by_job[data.operations[op_id].job_id].append(op_id)
        self.large = len(self.movable) > _LARGE_MODEL_OPS
        weights = data.problem.weights
        self.compact = weights.makespan > 0 and (
            weights.tardiness, weights.flow_time, weights.stability
        ) == (0, 0, 0)
        # Above any sum of operation ends in a plan no longer than the first one.
        self.scale = len(self.movable) * (max(a.end for a in plan) + 1) + 1
        self.objective = objective
        self.score = self._score(self.plan, objective)
        self.best, self.best_score, self.best_objective = self.plan, self.score, objective

    def _score(self, plan: Plan, objective: int) -> int:
        if not self.compact:
            return objective
        return objective * self.scale + sum(plan[o].end for o in self.movable)

    def is_unary(self, resource_id: str) -> bool:
        return self.data.resources[resource_id].capacity == 1

    def offer(self, found: list[Assignment], objective: int, sideways: bool = False) -> None:
        """Make `found` the incumbent if it scores no worse or, when `sideways`, if its
        objective is no worse (a right-justified plan, or one with less work)."""
        plan = {a.operation_id: a for a in found}
        score = self._score(plan, objective)
        with self.lock:
            # An equal score is accepted: moving sideways diversifies the search.
            if score <= self.score or (sideways and objective <= self.objective):
                self.plan, self.score, self.objective = plan, score, objective
            if score <= self.best_score:
                self.best, self.best_score, self.best_objective = plan, score, objective


def improve(
    data: ProblemData,
    plan: list[Assignment],
    objective: int,
    bound: int | None,
    deadline: float,
    workers: int,
    seed: int,
) -> tuple[list[Assignment], int]:
    """A plan no worse than `plan` (whose objective is `objective`), searched until the
    `deadline` (monotonic) or until the objective reaches `bound`."""
    search = _Search(data, plan, objective)
    tabu_worker = _TABU_WORKER and workers > 1 and tabu.applicable(data)

    def run(worker: int) -> None:
        rng = random.Random(seed * 1009 + worker)
        if tabu_worker and worker == 0:
            # Until the deadline, unless no move is possible: then this worker takes steps.
            _tabu_search(search, deadline, bound, rng)
        # Large models spend most of a step in presolve: fewer, longer, smaller steps.
        initial = _INITIAL_SHARE / 5 if search.large else _INITIAL_SHARE
        shares = dict.fromkeys(range(len(_KINDS)), initial)  # each kind adapts its own size
        step_limit = _STEP_LIMIT_S * 10 if search.large else _STEP_LIMIT_S
        while (left := deadline - time.monotonic()) > 0.05 and not (
            bound is not None and search.objective <= bound
        ):
            with search.lock:
                incumbent = search.plan
            kind = _pick_kind(search, rng)
            free = _neighbourhood(search, incumbent, rng, kind, shares[kind])
            compaction = _pick_compaction(search, rng)
            step = _step_model(search, incumbent, free, compaction)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = min(step_limit, left)
            solver.parameters.random_seed = rng.randrange(1 << 30)
            # Small neighbourhoods are solved faster by propagation than by the LP.
            solver.parameters.linearization_level = 0
            status = solve_guarded(solver, step.model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = step.extract(solver.response_proto.solution)
                objective = round(solver.objective_value)
                if compaction:  # the step's objective also counts a tie-break
                    weight = search.data.problem.weights.makespan
                    objective = weight * max(a.end for a in found)
                search.offer(found, objective, sideways=compaction in ("right", "load"))
            # Grow the neighbourhood while steps are solved to optimality, shrink otherwise.
            share = shares[kind]
            shares[kind] = (
                min(0.8, share * 1.1) if status == cp_model.OPTIMAL else max(0.02, share * 0.9)
            )

    run_workers(run, workers)
    plan = sorted(search.best.values(), key=lambda a: (a.start, a.operation_id))
    return plan, search.best_objective


def _tabu_search(
    search: _Search, deadline: float, bound: int | None, rng: random.Random
) -> None:
    """A tabu search trajectory that trades plans with the CP-SAT steps: it offers each new
    best plan of its own, and starts over from the shared best plan when that is shorter than
    anything it found or when it has gone long without finding better."""
    weight = search.data.problem.weights.makespan
    with search.lock:
        start = list(search.best.values())
    trajectory = tabu.TabuSearch(search.data, start, rng)
    offered = trajectory.best
    while time.monotonic() < deadline - 0.05 and not (
        bound is not None and search.best_objective <= bound
    ):
        if not trajectory.run(min(deadline - 0.05, time.monotonic() + _TABU_CHUNK_S)):
            return
        if trajectory.best < offered:
            offered = trajectory.best
            search.offer(trajectory.best_plan, weight * trajectory.best)
        with search.lock:
            shared, shared_plan = search.best_objective, search.best
        stalled = trajectory.iteration - trajectory.improved_at > _TABU_PATIENCE
        if shared < weight * trajectory.best or stalled:
            trajectory = tabu.TabuSearch(search.data, list(shared_plan.values()), rng)
            offered = trajectory.best


def _pick_compaction(search: _Search, rng: random.Random) -> str | None:
    """How a step breaks ties at equal makespan, on makespan-only problems: None (it does
    not), "left" (operations as early as possible), "right" (as late as possible) or "load"
    (the least work on the freed operations)."""
    if not search.compact or rng.random() >= _COMPACT_SHARE:
        return None
    if rng.random() < _RIGHT_SHARE:
        return "right"
    return "load" if rng.random() < _LOAD_SHARE else "left"


def _step_model(
    search: _Search, plan: Plan, free: set[str], compaction: str | None = None
) -> ScheduleModel:
    """The model of one step: freed operations with all their modes; kept ones on their
    resource and, on capacity-1 resources, in their order (in large models, at their time).
    A compacting step minimises the makespan, then the sum of operation ends ("left"), the
    negated sum of operation starts ("right") or the processing time of the freed operations
    ("load")."""
    data = copy.copy(search.data)
    data.modes = {
        op_id: modes if op_id in free else [m for m in modes if m[0] == plan[op_id].resource_id]
        for op_id, modes in search.data.modes.items()
    }
    step = ScheduleModel(data, list(plan.values()), redundant=False)
    model = step.model
    if compaction:
        if compaction == "load":
            tie_break = sum(
                duration * step.present[o, r] for o in free for r, duration in data.modes[o]
            )
        elif compaction == "right":
            tie_break = -sum(step.start[o] for o in search.movable)
        else:
            tie_break = sum(step.end[o] for o in search.movable)
        model.minimize(search.scale * step.makespan + tie_break)
    sequences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for op_id in search.movable:
        if op_id in free:
            continue
        a = plan[op_id]
        if search.large:
            model.add(step.start[op_id] == a.start)
        if search.is_unary(a.resource_id):
            sequences[a.resource_id].append((a.start, op_id))
    for sequence in sequences.values():
        sequence.sort()
        for (_, before), (_, after) in itertools.pairwise(sequence):
            model.add(step.end[before] <= step.start[after])
    return step


def _pick_kind(search: _Search, rng: random.Random) -> int:
    if search.compact:
        return rng.choices(range(len(_KINDS)), _MAKESPAN_KIND_WEIGHTS)[0]
    if search.data.problem.weights.tardiness and rng.random() < 0.5:
        return _KINDS.index("late")  # late jobs are where tardiness is won
    return rng.randrange(len(_KINDS))


def _neighbourhood(
    search: _Search, plan: Plan, rng: random.Random, kind: int, share: float
) -> set[str]:
    """Operation ids to free (see `_KINDS`)."""
    movable = search.movable
    target = max(_MIN_FREE_OPS, round(share * len(movable)))
    free: set[str] = set()
    if kind == 3:
        late = _late_jobs(search, plan)
        if late:
            free.update(search.operations_by_job[rng.choice(late)][:target])
        else:
            critical = _critical_operations(search, plan)
            first = rng.randrange(max(1, len(critical) - target + 1))
            free.update(critical[first : first + target])
        kind = 2  # fill up with operations running around the same time
    if kind == 0:
        jobs = list(search.operations_by_job)
        rng.shuffle(jobs)
        for job_id in jobs:
            if len(free) >= target:
                break
            free.update(search.operations_by_job[job_id])
    elif kind == 1:
        by_resource: dict[str, list[str]] = defaultdict(list)
        for op_id in movable:
            by_resource[plan[op_id].resource_id].append(op_id)
        resources = sorted(by_resource)
        rng.shuffle(resources)
        for resource_id in resources:
            if len(free) >= target:
                break
            free.update(by_resource[resource_id])
    else:
        seed_op = rng.choice(sorted(free) if free else movable)
        center = plan[seed_op].start
        by_distance = sorted(movable, key=lambda o: (abs(plan[o].start - center), o))
        free.update(by_distance[: max(0, target - len(free))])
    return free & set(movable)


def _late_jobs(search: _Search, plan: Plan) -> list[str]:
    """Jobs with movable work that finish after their due date, when tardiness counts."""
    if not search.data.problem.weights.tardiness:
        return []
    late = []
    for job_id, op_ids in sorted(search.operations_by_job.items()):
        due = search.data.jobs[job_id].due
        if due is not None and max(plan[o].end for o in op_ids) > due:
            late.append(job_id)
    return late


def _critical_operations(search: _Search, plan: Plan) -> list[str]:
    """Movable operations that cannot end later without delaying the plan's last end, in
    start order: a backward pass over job arcs and the resource sequences of the plan."""
    order = sorted(plan, key=lambda o: (plan[o].start, plan[o].end, o))
    next_on_resource: dict[str, str] = {}
    last_on_resource: dict[str, str] = {}
    for op_id in order:
        resource_id = plan[op_id].resource_id
        if search.is_unary(resource_id):
            if resource_id in last_on_resource:
                next_on_resource[last_on_resource[resource_id]] = op_id
            last_on_resource[resource_id] = op_id
    horizon = max(a.end for a in plan.values())
    latest_end: dict[str, int] = {}
    for op_id in reversed(order):
        latest = horizon
        for succ, lag in search.data.successors[op_id]:
            duration = plan[succ].end - plan[succ].start
            latest = min(latest, latest_end.get(succ, horizon) - duration - lag)
        succ = next_on_resource.get(op_id)
        if succ is not None:
            latest = min(latest, latest_end[succ] - (plan[succ].end - plan[succ].start))
        latest_end[op_id] = latest
    movable = set(search.movable)
    return [o for o in order if o in movable and latest_end[o] <= plan[o].end]
