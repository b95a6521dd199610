"""Neighbourhood search on mid-size problems: plans it returns pass the checker, are never
worse than where it started, and makespan-only plans are compacted on plateaus."""

import logging
import random
import time
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbackend.scheduling import lns
from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.fjsp import parse_fjsp
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

MAKESPAN = ObjectiveWeights(tardiness=0, makespan=1, flow_time=0, stability=0)


def job_shop(seed: int, n_jobs: int, n_machines: int, weights=MAKESPAN) -> SchedulingProblem:
    """A random flexible job shop: chains of operations, each on 1-3 eligible machines."""
    rng = random.Random(seed)
    machines = [f"M{m}" for m in range(n_machines)]
    jobs, operations, precedences = [], [], []
    for j in range(n_jobs):
        jobs.append(Job(f"J{j}", due=rng.randint(20, 80), weight=rng.choice([1, 2])))
        previous = None
        for o in range(rng.randint(2, 5)):
            eligible = rng.sample(machines, rng.randint(1, min(3, n_machines)))
            op = Operation(f"J{j}.{o}", f"J{j}",
                           tuple(Mode(m, rng.randint(1, 9)) for m in eligible))
            operations.append(op)
            if previous is not None:
                precedences.append(Precedence(previous.id, op.id, min_lag=rng.choice([0, 0, 2])))
            previous = op
    return SchedulingProblem(
        resources=tuple(Resource(m) for m in machines),
        jobs=tuple(jobs),
        operations=tuple(operations),
        precedences=tuple(precedences),
        weights=weights,
    )


def run(problem: SchedulingProblem, seconds: float, workers: int = 2):
    data = ProblemData(problem)
    start = dispatch(problem, "odd")
    objective = plan_metrics(problem, start).objective(problem)
    plan, found = lns.improve(data, start, objective, None, time.monotonic() + seconds,
                              workers, seed=1)
    return start, objective, plan, found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), tardiness=st.booleans())
def test_plans_pass_the_checker_and_are_never_worse(seed, tardiness):
    weights = ObjectiveWeights() if tardiness else MAKESPAN
    problem = job_shop(seed, n_jobs=6, n_machines=3, weights=weights)
    _, objective, plan, found = run(problem, seconds=0.4)
    assert check_plan(problem, plan) == []
    assert found <= objective
    assert plan_metrics(problem, plan).objective(problem) == found
    assert {a.operation_id for a in plan} == {op.id for op in problem.operations}


def test_search_shortens_a_greedy_plan():
    problem = job_shop(7, n_jobs=12, n_machines=4)
    _, objective, plan, found = run(problem, seconds=2)
    assert check_plan(problem, plan) == []
    assert found < objective


def test_a_plan_as_long_but_further_left_scores_better():
    problem = job_shop(3, n_jobs=5, n_machines=2)
    start = dispatch(problem, "odd")
    search = lns._Search(ProblemData(problem), start, max(a.end for a in start))
    makespan = max(a.end for a in start)
    last = max(start, key=lambda a: a.end)
    # Same makespan (the last operation stays), every other operation one minute later.
    later = [a if a is last else replace(a, start=a.start + 1, end=a.end + 1) for a in start]
    assert search.compact
    search.offer(later, makespan)
    assert search.plan == {a.operation_id: a for a in start}  # later work: refused
    search.offer(start, makespan)
    assert search.score == search._score({a.operation_id: a for a in start}, makespan)


def test_compaction_is_off_when_due_dates_count():
    problem = job_shop(3, n_jobs=5, n_machines=2, weights=ObjectiveWeights())
    start = dispatch(problem, "odd")
    objective = plan_metrics(problem, start).objective(problem)
    search = lns._Search(ProblemData(problem), start, objective)
    assert not search.compact
    assert search.score == objective


def test_kept_operations_keep_their_resource_and_order():
    problem = job_shop(11, n_jobs=8, n_machines=3)
    start = dispatch(problem, "odd")
    search = lns._Search(ProblemData(problem), start, max(a.end for a in start))
    free = set(search.movable[:3])
    step = lns._step_model(search, search.plan, free)
    for op_id in search.movable:
        resources = {r for (o, r) in step.present if o == op_id}
        if op_id in free:
            assert resources == {m.resource_id for m in step.data.operations[op_id].modes}
        else:
            assert resources == {search.plan[op_id].resource_id}


def test_a_right_justified_plan_moves_the_search_but_the_best_plan_is_kept():
    problem = job_shop(3, n_jobs=5, n_machines=2)
    start = dispatch(problem, "odd")
    makespan = max(a.end for a in start)
    search = lns._Search(ProblemData(problem), start, makespan)
    last = max(start, key=lambda a: a.end)
    later = [a if a is last else replace(a, start=a.start + 1, end=a.end + 1) for a in start]
    search.offer(later, makespan, sideways=True)
    assert search.plan == {a.operation_id: a for a in later}  # the search moves on from it
    assert search.best == {a.operation_id: a for a in start}  # what improve() returns
    longer = [replace(a, start=a.start + 1, end=a.end + 1) for a in start]
    search.offer(longer, makespan + 1, sideways=True)
    assert search.plan == {a.operation_id: a for a in later}  # never a longer plan


def test_right_justifying_keeps_the_makespan_and_moves_work_later():
    problem = job_shop(5, n_jobs=6, n_machines=3)
    start = dispatch(problem, "odd")
    search = lns._Search(ProblemData(problem), start, max(a.end for a in start))
    free = set(search.movable)
    plans = {right: solve_step(search, free, "right" if right else "left")
             for right in (False, True)}
    assert max(a.end for a in plans[True]) == max(a.end for a in plans[False])
    assert sum(a.start for a in plans[True]) > sum(a.start for a in plans[False])


def solve_step(search: lns._Search, free: set[str], compaction: str) -> list[Assignment]:
    """The step model's optimal plan, which must pass the checker."""
    step = lns._step_model(search, search.plan, free, compaction)
    solver = lns.cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(step.model) == lns.cp_model.OPTIMAL
    plan = step.extract(solver.response_proto.solution)
    assert check_plan(search.data.problem, plan) == []
    return plan


def test_a_load_step_takes_the_faster_mode_that_left_compaction_would_not():
    # J1 runs 8 on M1 then 2 on M3, so the plan takes 10. J2's one operation takes 2 on M1
    # (after J1's first, ending at 10) or 5 on M2 (ending at 5): packing left prefers M2,
    # the least work M1, and both keep the makespan of 10.
    problem = parse_fjsp("2 3\n2 1 1 8 1 3 2\n1 2 1 2 2 5\n")
    start = dispatch(problem, "odd")
    search = lns._Search(ProblemData(problem), start, max(a.end for a in start))
    plans = {}
    for compaction in ("left", "load"):
        found = solve_step(search, set(search.movable), compaction)
        assert max(a.end for a in found) == 10
        plans[compaction] = {a.operation_id: a for a in found}
    assert plans["left"]["J2.O1"].resource_id == "M2"
    assert plans["load"]["J2.O1"].resource_id == "M1"


def test_compaction_kinds_follow_their_shares(monkeypatch):
    problem = job_shop(3, n_jobs=4, n_machines=2)
    search = lns._Search(ProblemData(problem), dispatch(problem, "odd"), 1)
    rng = random.Random(0)
    picks = Counter(lns._pick_compaction(search, rng) for _ in range(4000))
    compacting = 4000 * lns._COMPACT_SHARE
    assert abs(picks[None] - 4000 + compacting) < 150
    assert abs(picks["right"] - compacting * lns._RIGHT_SHARE) < 150
    assert abs(picks["load"] - compacting * (1 - lns._RIGHT_SHARE) * lns._LOAD_SHARE) < 150
    monkeypatch.setattr(lns, "_LOAD_SHARE", 0.0)
    assert "load" not in {lns._pick_compaction(search, rng) for _ in range(500)}
    # Without makespan alone in the objective, no step compacts.
    weighted = lns._Search(ProblemData(replace(problem, weights=ObjectiveWeights())),
                           dispatch(problem, "odd"), 1)
    assert {lns._pick_compaction(weighted, rng) for _ in range(200)} == {None}


def break_step_models(monkeypatch) -> None:
    """Every CP-SAT step fails while its model is built."""

    def broken(*args, **kwargs):
        raise RuntimeError("model bug")

    monkeypatch.setattr(lns, "_step_model", broken)


def test_a_failing_worker_is_logged_and_the_plan_it_started_from_survives(monkeypatch, caplog):
    problem = job_shop(7, n_jobs=12, n_machines=4)
    start = dispatch(problem, "odd")
    objective = plan_metrics(problem, start).objective(problem)
    break_step_models(monkeypatch)
    monkeypatch.setattr(lns.tabu, "applicable", lambda data: False)  # steps on both workers
    with caplog.at_level(logging.ERROR, logger="mcbackend.scheduling.model"):
        plan, found = lns.improve(ProblemData(problem), start, objective, None,
                                  time.monotonic() + 0.5, workers=2, seed=1)
    assert found == objective and check_plan(problem, plan) == []
    failures = [r for r in caplog.records if "worker" in r.getMessage()]
    assert len(failures) == 2 and "model bug" in failures[0].exc_text
