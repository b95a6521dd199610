"""Dispatch rules: apparent tardiness cost puts the heavier late job first and keeps a colour
running when that costs little slack."""

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.problem import Job, Mode, Operation, Resource, SchedulingProblem


def one_machine(jobs: tuple[Job, ...], families: dict[str, str] | None = None,
                setups: dict[tuple[str, str], int] | None = None) -> SchedulingProblem:
    families = families or {}
    operations = tuple(Operation(f"{j.id}.0", j.id, (Mode("M", 10),),
                                 setup_family=families.get(j.id)) for j in jobs)
    return SchedulingProblem((Resource("M", setup_times=setups or {}),), jobs, operations)


def order(problem: SchedulingProblem) -> list[str]:
    plan = dispatch(problem, "atc")
    assert plan is not None and check_plan(problem, plan) == []
    return [a.operation_id.split(".")[0] for a in sorted(plan, key=lambda a: a.start)]


def test_atc_runs_the_heavier_of_two_late_jobs_first():
    jobs = (Job("light", due=5, weight=1), Job("heavy", due=8, weight=5))
    assert order(one_machine(jobs)) == ["heavy", "light"]


def test_atc_saves_a_changeover_when_that_costs_little_slack():
    # Earliest due date would run red1, blue, red2 and change colour twice.
    jobs = (Job("red1", due=100), Job("blue", due=101), Job("red2", due=102))
    families = {"red1": "red", "red2": "red", "blue": "blue"}
    setups = {("red", "blue"): 30, ("blue", "red"): 30}
    assert order(one_machine(jobs, families, setups)) == ["red1", "red2", "blue"]
