"""Tabu search on the critical path: which problems it takes, that every plan it keeps passes
the checker and is never longer than where it started, and that it works inside the
neighbourhood search."""

import logging
import random
import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbackend.scheduling import lns, tabu
from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.fjsp import parse_fjsp
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.model import ProblemData
from mcbackend.scheduling.problem import (
    Assignment,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
)
from mcbackend.scheduling.solver import SolveOptions, solve
from tests.unit.test_scheduling_lns import MAKESPAN, break_step_models, job_shop


def makespan(plan: list[Assignment]) -> int:
    return max(a.end for a in plan)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), iterations=st.integers(1, 300))
def test_the_best_plan_passes_the_checker_and_is_never_longer(seed, iterations):
    problem = job_shop(seed, n_jobs=7, n_machines=3)  # chains with minimum lags
    start = dispatch(problem, "odd")
    search = tabu.TabuSearch(ProblemData(problem), start, random.Random(seed))
    search.run(time.monotonic() + 5, max_iterations=iterations)
    assert check_plan(problem, search.best_plan) == []
    assert search.best == makespan(search.best_plan) <= makespan(start)
    # The trajectory's current plan is a valid plan too, however long.
    assert check_plan(problem, search.plan()) == []


def test_it_reaches_the_optimum_of_a_small_instance_from_a_poor_start():
    problem = parse_fjsp(
        "3 3\n"
        "3 2 1 4 2 6 1 2 3 2 3 3 1 5\n"
        "3 1 2 4 2 1 3 3 4 1 1 2\n"
        "3 2 3 2 1 5 1 1 4 2 2 3 3 2\n"
    )
    optimum = solve(problem, SolveOptions(time_limit_s=10, workers=1))
    assert optimum.status == "optimal"
    worst = max((dispatch(problem, rule) for rule in ("mwr", "odd", "edd")), key=makespan)
    search = tabu.TabuSearch(ProblemData(problem), worst, random.Random(3))
    search.run(time.monotonic() + 5, max_iterations=500)
    assert search.best == optimum.makespan
    assert check_plan(problem, search.best_plan) == []


def test_only_plain_makespan_problems_qualify():
    plain = job_shop(3, n_jobs=4, n_machines=3)
    assert tabu.applicable(ProblemData(plain))
    machines = plain.resources
    first = plain.operations[0]
    variants = {
        "due dates count": replace(plain, weights=ObjectiveWeights()),
        "a calendar": replace(plain, resources=(
            replace(machines[0], windows=((0, 480), (960, 1440))), *machines[1:])),
        "setups": replace(plain, resources=(
            replace(machines[0], setup_times={("a", "b"): 5}), *machines[1:])),
        "a shared-capacity resource": replace(plain, resources=(
            replace(machines[0], capacity=2), *machines[1:])),
        "frozen work": replace(plain, frozen=(
            Assignment(first.id, first.modes[0].resource_id, 0, first.modes[0].duration),)),
        "a maximum lag": replace(plain, precedences=(
            replace(plain.precedences[0], max_lag=50), *plain.precedences[1:])),
        "a splittable operation": replace(plain, operations=(
            replace(first, splittable=True), *plain.operations[1:])),
    }
    for why, problem in variants.items():
        assert not tabu.applicable(ProblemData(problem)), why


def test_a_move_that_closes_a_cycle_is_taken_back():
    # J1: a -> b; J2: c. Putting b before a on one machine would need b to end before a.
    problem = replace(
        job_shop(0, n_jobs=1, n_machines=1),
        resources=(Resource("M"),),
        operations=(
            Operation("a", "J0", (Mode("M", 2),)),
            Operation("b", "J0", (Mode("M", 3),)),
        ),
        precedences=(Precedence("a", "b"),),
    )
    search = tabu.TabuSearch(ProblemData(problem), dispatch(problem, "odd"), random.Random(0))
    a, b = search.ids.index("a"), search.ids.index("b")
    undo = search._apply(b, 0, 0, 3)
    assert search.sequences[0] == [b, a]
    assert not search._evaluate()
    search._undo(b, undo)
    assert search._evaluate() and search.makespan == 5
    # No other place is possible for either operation: the search says so instead of spinning.
    assert search.run(time.monotonic() + 1) is False


def test_its_plans_reach_the_neighbourhood_search(monkeypatch, caplog):
    """With the CP-SAT steps broken, every gain comes from the tabu worker."""
    problem = job_shop(7, n_jobs=12, n_machines=4)
    start = dispatch(problem, "odd")
    objective = plan_metrics(problem, start).objective(problem)
    break_step_models(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="mcbackend.scheduling.model"):
        plan, found = lns.improve(ProblemData(problem), start, objective, None,
                                  time.monotonic() + 1, workers=2, seed=1)
    assert found < objective
    assert check_plan(problem, plan) == [] and makespan(plan) == found


@pytest.mark.parametrize("workers", [1, 2])
def test_the_tabu_worker_needs_a_second_worker(monkeypatch, workers):
    started = []
    monkeypatch.setattr(lns, "_tabu_search", lambda *args: started.append(args))
    problem = job_shop(7, n_jobs=6, n_machines=3, weights=MAKESPAN)
    start = dispatch(problem, "odd")
    objective = plan_metrics(problem, start).objective(problem)
    lns.improve(ProblemData(problem), start, objective, None, time.monotonic() + 0.3,
                workers=workers, seed=1)
    assert len(started) == (workers - 1)
