"""Window neighbourhood search: every plan it returns passes the checker and is no worse."""

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbackend.scheduling import solver
from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.model import ProblemData
from mcbackend.scheduling.problem import (
    Assignment,
    Job,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
)
from mcbackend.scheduling.window_lns import _mode_starts, _Plant, improve_plan

SHIFTS = tuple((day * 100, day * 100 + 80) for day in range(40))
COLOURS = ("light", "mid", "dark")
SETUPS = {(a, b): 3 + 2 * abs(i - k) for i, a in enumerate(COLOURS)
          for k, b in enumerate(COLOURS) if a != b}


DEFAULT_WEIGHTS = ObjectiveWeights()


def small_plant(seed: int, n_jobs: int = 24, weights: ObjectiveWeights = DEFAULT_WEIGHTS
                ) -> SchedulingProblem:
    """Three stages on shifts: two cutters, two painters with colour setups, one oven of
    capacity 3; every job runs cut -> paint -> bake with a due date."""
    rng = random.Random(seed)
    resources = (
        Resource("cut1", windows=SHIFTS), Resource("cut2", windows=SHIFTS),
        Resource("paint1", windows=SHIFTS, setup_times=SETUPS),
        Resource("paint2", windows=SHIFTS, setup_times=SETUPS),
        Resource("oven", capacity=3, windows=SHIFTS),
    )
    jobs, operations, precedences = [], [], []
    for j in range(n_jobs):
        release = rng.randrange(0, 200)
        jobs.append(Job(f"J{j}", due=release + rng.randint(100, 400), weight=rng.choice([1, 3]),
                        release=release))
        colour = rng.choice(COLOURS)
        ops = (
            Operation(f"J{j}.cut", f"J{j}", (Mode("cut1", rng.randint(5, 15)),
                                             Mode("cut2", rng.randint(5, 15)))),
            Operation(f"J{j}.paint", f"J{j}", (Mode("paint1", rng.randint(5, 12)),
                                               Mode("paint2", rng.randint(5, 12))),
                      setup_family=colour),
            Operation(f"J{j}.bake", f"J{j}", (Mode("oven", rng.randint(20, 40)),),
                      demand=rng.choice([1, 2])),
        )
        operations.extend(ops)
        precedences += [Precedence(ops[0].id, ops[1].id), Precedence(ops[1].id, ops[2].id)]
    return SchedulingProblem(resources, tuple(jobs), tuple(operations), tuple(precedences),
                             weights=weights)


def improved(problem: SchedulingProblem, plan: list[Assignment], seconds: float = 1.0,
             workers: int = 1) -> list[Assignment]:
    result = improve_plan(ProblemData(problem), plan, time.monotonic() + seconds, workers, 0)
    assert check_plan(problem, result) == []
    return result


def objective(problem: SchedulingProblem, plan: list[Assignment]) -> int:
    return plan_metrics(problem, plan).objective(problem)


def test_improves_a_greedy_plan_and_keeps_it_feasible():
    problem = small_plant(seed=3)
    start = dispatch(problem, "edd")
    assert start is not None and check_plan(problem, start) == []
    result = improved(problem, start, seconds=2.0, workers=2)
    assert objective(problem, result) < objective(problem, start)


def test_frozen_and_split_operations_stay_where_they_are():
    base = small_plant(seed=5, n_jobs=12)
    # The first job's bake may pause over the night; the second job's cut has started.
    operations = tuple(
        Operation(op.id, op.job_id, op.modes, op.setup_family, True, op.release, op.demand)
        if op.id == "J0.bake" else op
        for op in base.operations
    )
    start = dispatch(SchedulingProblem(base.resources, base.jobs, operations, base.precedences),
                     "edd")
    frozen = tuple(a for a in start if a.operation_id == "J1.cut")
    problem = SchedulingProblem(base.resources, base.jobs, operations, base.precedences,
                                frozen=frozen)
    assert check_plan(problem, start) == []
    result = {a.operation_id: a for a in improved(problem, start)}
    before = {a.operation_id: a for a in start}
    assert result["J1.cut"] == before["J1.cut"]
    assert result["J0.bake"] == before["J0.bake"]


def test_maximum_lags_hold():
    base = small_plant(seed=11, n_jobs=10)
    precedences = tuple(Precedence(arc.before, arc.after, max_lag=150) for arc in base.precedences)
    problem = SchedulingProblem(base.resources, base.jobs, base.operations, precedences)
    start = dispatch(problem, "edd")
    assert start is not None and check_plan(problem, start) == []
    result = improved(problem, start)
    assert objective(problem, result) <= objective(problem, start)


def test_a_reschedule_moves_operations_only_when_that_pays():
    problem = small_plant(seed=2, n_jobs=12)
    plan = improved(problem, dispatch(problem, "edd"))
    # The same plant again, with the plan as the previous one and a huge price on moving.
    again = SchedulingProblem(problem.resources, problem.jobs, problem.operations,
                              problem.precedences, previous_plan=tuple(plan),
                              weights=ObjectiveWeights(stability=10**6))
    result = improved(again, plan)
    assert plan_metrics(again, result).moved == 0


def test_start_domains_leave_room_for_setups_and_stay_inside_windows():
    resource = Resource("paint", windows=((0, 100),),
                        setup_times={("x", "z"): 5, ("z", "y"): 3, ("y", "z"): 0})
    operations = (
        Operation("A", "J", (Mode("paint", 10),), setup_family="x"),
        Operation("B", "J", (Mode("paint", 10),), setup_family="y"),
        Operation("C", "J", (Mode("paint", 10),), setup_family="z"),
    )
    problem = SchedulingProblem((resource,), (Job("J"),), operations)
    kept = [Assignment("A", "paint", 10, 20), Assignment("B", "paint", 50, 60)]
    plant = _Plant(ProblemData(problem))
    starts = _mode_starts(plant, kept, [20, 60], "C", "paint", 10, 0, 200)
    # Before A (no setup into x), between A and B (5 after A, 3 before B), after B.
    assert starts == [(0, 0), (25, 37), (60, 90)]


def test_large_problems_are_routed_to_the_window_search(monkeypatch):
    monkeypatch.setattr(solver, "_LARGE_PROBLEM_OPS", 10)
    problem = small_plant(seed=7)
    result = solver.solve(problem, solver.SolveOptions(time_limit_s=1.5, workers=1))
    assert result.status in ("optimal", "feasible")
    assert check_plan(problem, result.assignments) == []
    greedy = solver.best_dispatch(problem)
    assert result.objective <= objective(problem, greedy)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 10),
       st.sampled_from([ObjectiveWeights(), ObjectiveWeights(tardiness=1, makespan=0,
                                                             flow_time=2)]))
def test_random_plants_give_checked_plans_no_worse_than_the_start(seed, n_jobs, weights):
    problem = small_plant(seed, n_jobs, weights)
    start = dispatch(problem, "odd")
    assert start is not None and check_plan(problem, start) == []
    result = improved(problem, start, seconds=0.3)
    assert objective(problem, result) <= objective(problem, start)
