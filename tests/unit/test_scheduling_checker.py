"""The feasibility checker finds every kind of broken rule, and passes a correct plan."""

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.problem import (
    Assignment,
    Job,
    Mode,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
)


def problem(**changes) -> SchedulingProblem:
    base = dict(
        resources=(Resource("M1"), Resource("M2")),
        jobs=(Job("J1"), Job("J2")),
        operations=(
            Operation("a", "J1", (Mode("M1", 3), Mode("M2", 4))),
            Operation("b", "J1", (Mode("M2", 2),)),
            Operation("c", "J2", (Mode("M1", 2),)),
        ),
        precedences=(Precedence("a", "b"),),
    )
    base.update(changes)
    return SchedulingProblem(**base)


GOOD = (Assignment("a", "M1", 0, 3), Assignment("b", "M2", 3, 5), Assignment("c", "M1", 3, 5))


def kinds(p: SchedulingProblem, plan) -> set[str]:
    return {v.kind for v in check_plan(p, plan)}


def test_correct_plan_has_no_violations():
    assert check_plan(problem(), GOOD) == []


def test_overlap_precedence_and_eligibility():
    plan = (Assignment("a", "M1", 0, 3), Assignment("b", "M2", 2, 4),
            Assignment("c", "M1", 2, 4))
    assert kinds(problem(), plan) == {"precedence", "overlap"}
    assert "not_eligible" in kinds(problem(), (*GOOD[:2], Assignment("c", "M2", 5, 7)))


def test_missing_duplicate_and_wrong_duration():
    assert "unassigned" in kinds(problem(), GOOD[:2])
    assert "duplicate" in kinds(problem(), (*GOOD, GOOD[2]))
    assert "duration" in kinds(problem(), (Assignment("a", "M1", 0, 4), *GOOD[1:]))


def test_max_lag_and_release():
    lagged = problem(precedences=(Precedence("a", "b", min_lag=0, max_lag=1),))
    late = (GOOD[0], Assignment("b", "M2", 5, 7), GOOD[2])
    assert kinds(lagged, late) == {"max_lag"}
    released = problem(jobs=(Job("J1"), Job("J2", release=4)))
    assert kinds(released, GOOD) == {"release"}


def test_calendar_window_and_split_operation():
    shifts = ((0, 4), (6, 10))
    p = problem(resources=(Resource("M1", windows=shifts), Resource("M2")))
    # c runs 3-5 across the break at 4-6: not allowed for a non-splittable operation.
    assert kinds(p, GOOD) == {"calendar"}
    split_ops = (p.operations[0], p.operations[1],
                 Operation("c", "J2", (Mode("M1", 2),), splittable=True))
    split = problem(resources=p.resources, operations=split_ops)
    assert kinds(split, (GOOD[0], GOOD[1], Assignment("c", "M1", 3, 7))) == set()
    assert kinds(split, GOOD) == {"calendar", "duration"}  # 1 minute worked, ends in a break


def test_downtime_removes_working_time():
    p = problem(resources=(Resource("M1", downtime=((1, 2),)), Resource("M2")))
    assert kinds(p, GOOD) == {"calendar"}


def test_sequence_dependent_setup():
    ops = (Operation("a", "J1", (Mode("M1", 3),), setup_family="red"),
           Operation("b", "J1", (Mode("M2", 2),)),
           Operation("c", "J2", (Mode("M1", 2),), setup_family="blue"))
    p = problem(operations=ops,
                resources=(Resource("M1", setup_times={("red", "blue"): 2}), Resource("M2")))
    assert kinds(p, GOOD) == {"setup"}
    assert kinds(p, (*GOOD[:2], Assignment("c", "M1", 5, 7))) == set()


def test_capacity_of_a_shared_resource():
    ops = tuple(Operation(f"o{i}", "J1", (Mode("oven", 5),), demand=2) for i in range(3))
    p = SchedulingProblem(resources=(Resource("oven", capacity=4),), jobs=(Job("J1"),),
                          operations=ops)
    together = tuple(Assignment(f"o{i}", "oven", 0, 5) for i in range(3))
    assert kinds(p, together) == {"capacity"}
    staggered = (*together[:2], Assignment("o2", "oven", 5, 10))
    assert kinds(p, staggered) == set()


def test_frozen_operation_must_stay():
    p = problem(frozen=(Assignment("a", "M1", 0, 3),))
    moved = (Assignment("a", "M2", 0, 4), Assignment("b", "M2", 4, 6), GOOD[2])
    assert "frozen_moved" in kinds(p, moved)
    assert kinds(p, GOOD) == set()
