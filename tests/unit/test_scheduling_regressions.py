"""Problems that once broke the solver, kept so they stay fixed."""

import json
from pathlib import Path

from mcbackend.scheduling import (
    Assignment,
    Job,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
    SolveOptions,
    check_plan,
    solve,
)

DATA = Path(__file__).parent / "data"


def _problem(name: str) -> SchedulingProblem:
    raw = json.loads((DATA / name).read_text())
    resources = tuple(
        Resource(
            r["id"],
            r["capacity"],
            None if r["windows"] is None else tuple(tuple(w) for w in r["windows"]),
            tuple(tuple(w) for w in r["downtime"]),
            {tuple(pair): minutes for pair, minutes in r["setup_times"]},
        )
        for r in raw["resources"]
    )
    operations = tuple(
        Operation(o["id"], o["job_id"], tuple(Mode(**m) for m in o["modes"]), o["setup_family"],
                  o["splittable"], o["release"], o["demand"])
        for o in raw["operations"]
    )
    return SchedulingProblem(
        resources=resources,
        jobs=tuple(Job(**j) for j in raw["jobs"]),
        operations=operations,
        precedences=tuple(Precedence(**a) for a in raw["precedences"]),
        frozen=tuple(Assignment(**a) for a in raw["frozen"]),
        previous_plan=tuple(Assignment(**a) for a in raw["previous_plan"]),
        weights=ObjectiveWeights(**raw["weights"]),
        horizon=raw["horizon"],
    )


def test_calendar_plant_with_a_complete_hint_solves():
    # Three demo sofas on the demo plant's calendars: CP-SAT 9.15's symmetry detection crashed
    # (absl::btree_map::at) once the greedy plan was completed into a full hint.
    problem = _problem("plant_hint_crash.json")
    result = solve(problem, SolveOptions(time_limit_s=3, workers=2))
    assert result.status in ("optimal", "feasible"), result.infeasible_reason
    assert check_plan(problem, result.assignments) == []


def test_an_empty_plant_has_an_empty_optimal_plan():
    problem = SchedulingProblem(resources=(Resource("r1"),), jobs=(), operations=())
    result = solve(problem, SolveOptions(time_limit_s=1))
    assert result.status == "optimal" and result.assignments == ()
