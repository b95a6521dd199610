"""The CP-SAT solver on plant features; every plan it returns is verified by the checker."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.problem import (
    Assignment,
    Job,
    Mode,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
    SolveResult,
)
from mcbackend.scheduling.solver import SolveOptions, solve

FAST = SolveOptions(time_limit_s=2, workers=1)


def solved(problem: SchedulingProblem, options: SolveOptions = FAST) -> SolveResult:
    result = solve(problem, options)
    assert result.status in ("optimal", "feasible"), result.infeasible_reason
    assert check_plan(problem, result.assignments) == []
    return result


def chain(job: str, *modes: tuple[Mode, ...], **fields) -> tuple[Operation, ...]:
    return tuple(Operation(f"{job}.{i}", job, m, **fields) for i, m in enumerate(modes))


def arcs(ops: tuple[Operation, ...], **lags) -> tuple[Precedence, ...]:
    return tuple(Precedence(a.id, b.id, **lags) for a, b in itertools.pairwise(ops))


@st.composite
def random_problems(draw) -> SchedulingProblem:
    n_resources = draw(st.integers(1, 3))
    resources = []
    for r in range(n_resources):
        windows = None
        if draw(st.booleans()):
            # Shifts of 8 to 15 minutes with breaks of 1 to 4 minutes.
            cursor, windows = 0, []
            for _ in range(12):
                length = draw(st.integers(8, 15))
                windows.append((cursor, cursor + length))
                cursor += length + draw(st.integers(1, 4))
            windows = tuple(windows)
        setups = {}
        if draw(st.booleans()):
            setups = {("x", "y"): draw(st.integers(0, 3)), ("y", "x"): draw(st.integers(0, 3))}
        resources.append(Resource(f"R{r}", capacity=draw(st.sampled_from([1, 1, 2])),
                                  windows=windows, setup_times=setups))
    jobs, operations, precedences = [], [], []
    for j in range(draw(st.integers(1, 3))):
        jobs.append(Job(f"J{j}", due=draw(st.none() | st.integers(5, 60)),
                        weight=draw(st.integers(1, 3)), release=draw(st.integers(0, 5))))
        ops = []
        for o in range(draw(st.integers(1, 3))):
            eligible = draw(st.sets(st.integers(0, n_resources - 1), min_size=1))
            modes = tuple(Mode(f"R{r}", draw(st.integers(1, 7))) for r in sorted(eligible))
            ops.append(Operation(f"J{j}.{o}", f"J{j}", modes,
                                 setup_family=draw(st.sampled_from([None, "x", "y"])),
                                 splittable=draw(st.booleans())))
        operations.extend(ops)
        max_lag = draw(st.none() | st.integers(0, 6))
        precedences.extend(arcs(tuple(ops), min_lag=draw(st.integers(0, 2)), max_lag=max_lag))
    return SchedulingProblem(tuple(resources), tuple(jobs), tuple(operations),
                             tuple(precedences))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems())
def test_random_problems_give_checked_plans_or_a_reason(problem):
    result = solve(problem, SolveOptions(time_limit_s=1, workers=1))
    assert result.status in ("optimal", "feasible", "infeasible"), result.infeasible_reason
    if result.status == "infeasible":
        assert result.infeasible_reason
    else:
        assert check_plan(problem, result.assignments) == []
        assert result.objective == plan_metrics(problem, result.assignments).objective(problem)


def test_operation_no_resource_can_do_is_infeasible_with_reason():
    problem = SchedulingProblem((Resource("M1"),), (Job("J"),),
                                (Operation("J.0", "J", (Mode("M9", 3),)),))
    result = solve(problem, FAST)
    assert result.status == "infeasible"
    assert "J.0" in result.infeasible_reason


def test_lags_that_cannot_hold_are_infeasible_with_reason():
    ops = chain("J", (Mode("M", 3),), (Mode("M", 3),), (Mode("M", 3),))
    base = dict(resources=(Resource("M"),), jobs=(Job("J"),), operations=ops)
    direct = SchedulingProblem(**base, precedences=(Precedence("J.0", "J.1", 5, 2),))
    assert solve(direct, FAST).status == "infeasible"
    assert "max 2 < min 5" in solve(direct, FAST).infeasible_reason
    # J.2 must start within 1 minute of J.0's end, but J.1 (3 minutes) runs in between.
    squeezed = SchedulingProblem(**base, precedences=(*arcs(ops),
                                                      Precedence("J.0", "J.2", 0, 1)))
    result = solve(squeezed, FAST)
    assert result.status == "infeasible"
    assert "maximum lag" in result.infeasible_reason


def test_operation_longer_than_every_shift_is_infeasible_unless_splittable():
    resource = Resource("M", windows=((0, 4), (6, 10)))
    op = Operation("J.0", "J", (Mode("M", 6),))
    problem = SchedulingProblem((resource,), (Job("J"),), (op,))
    assert solve(problem, FAST).status == "infeasible"
    split = SchedulingProblem((resource,), (Job("J"),),
                              (Operation("J.0", "J", (Mode("M", 6),), splittable=True),))
    result = solved(split)
    assert result.assignments == (Assignment("J.0", "M", 0, 8),)


def test_calendar_and_release():
    resource = Resource("M", windows=((0, 5), (10, 20)))
    ops = chain("J", (Mode("M", 4),), (Mode("M", 4),), release=1)
    problem = SchedulingProblem((resource,), (Job("J"),), ops, arcs(ops))
    result = solved(problem)
    assert [(a.start, a.end) for a in result.assignments] == [(1, 5), (10, 14)]
    assert result.status == "optimal"


def test_setups_separate_families_and_group_them():
    resource = Resource("M", setup_times={("a", "b"): 5, ("b", "a"): 5})
    ops = tuple(Operation(f"o{i}", "J", (Mode("M", 2),), setup_family=f)
                for i, f in enumerate("abab"))
    result = solved(SchedulingProblem((resource,), (Job("J"),), ops))
    # Grouping by family needs one changeover: 4 x 2 minutes + 5.
    assert result.makespan == 13
    assert result.status == "optimal"


def test_setups_without_triangle_inequality_count_only_direct_changeovers():
    # A detour a -> b -> c (1 + 1) beats the direct a -> c changeover (10).
    setups = {(x, y): 10 for x in "abc" for y in "abc" if x != y}
    setups.update({("a", "b"): 1, ("b", "c"): 1})
    ops = tuple(Operation(f"o{f}", "J", (Mode("M", 1),), setup_family=f) for f in "abc")
    result = solved(SchedulingProblem((Resource("M", setup_times=setups),), (Job("J"),), ops))
    assert result.makespan == 5
    assert [a.operation_id for a in result.assignments] == ["oa", "ob", "oc"]


def test_cumulative_resource_runs_operations_in_parallel():
    oven = Resource("oven", capacity=3)
    ops = tuple(Operation(f"o{i}", "J", (Mode("oven", 10),)) for i in range(5))
    result = solved(SchedulingProblem((oven,), (Job("J"),), ops))
    assert result.makespan == 20


def test_rush_order_weighs_more():
    ops = (*chain("rush", (Mode("M", 5),)), *chain("normal", (Mode("M", 5),)))
    jobs = (Job("rush", due=5, weight=10), Job("normal", due=5, weight=1))
    result = solved(SchedulingProblem((Resource("M"),), jobs, ops))
    start = {a.operation_id: a.start for a in result.assignments}
    assert start["rush.0"] == 0
    assert result.weighted_tardiness == 5


def test_frozen_operations_stay_and_others_plan_around_them():
    ops = (*chain("A", (Mode("M", 5),)), *chain("B", (Mode("M", 3),)))
    frozen = (Assignment("A.0", "M", 2, 7),)
    result = solved(SchedulingProblem((Resource("M"),), (Job("A"), Job("B")), ops,
                                      frozen=frozen))
    placed = {a.operation_id: a for a in result.assignments}
    assert placed["A.0"] == frozen[0]
    assert placed["B.0"].start >= 7


def test_reschedule_moves_only_what_the_breakdown_forces():
    ops = tuple(Operation(f"J{i}.0", f"J{i}", (Mode("M1", 4), Mode("M2", 4)))
                for i in range(4))
    jobs = tuple(Job(f"J{i}") for i in range(4))
    plan = solved(SchedulingProblem((Resource("M1"), Resource("M2")), jobs, ops)).assignments
    on_broken = sum(1 for a in plan if a.resource_id == "M1")
    resources = (Resource("M1", downtime=((0, 100),)), Resource("M2"))
    problem = SchedulingProblem(resources, jobs, ops, previous_plan=plan)
    again = solved(problem)
    assert plan_metrics(problem, again.assignments).moved == on_broken == 2
    assert again.makespan == 16


def test_dispatch_rules_give_checked_plans():
    ops = (*chain("A", (Mode("M1", 3), Mode("M2", 5)), (Mode("M2", 2),)),
           *chain("B", (Mode("M1", 4),), (Mode("M1", 1), Mode("M2", 1))))
    problem = SchedulingProblem((Resource("M1"), Resource("M2")),
                                (Job("A", due=5), Job("B", due=3)), ops,
                                arcs(ops[:2]) + arcs(ops[2:]))
    for rule in ("edd", "mwr", "ect"):
        plan = dispatch(problem, rule)
        assert plan is not None
        assert check_plan(problem, plan) == []
