"""Plant-scale scheduling benchmark: a synthetic plant of 30 resources with shifts and setups,
400 jobs of 5 operations with due dates.

Run from the repository root:

    .venv/bin/python benchmarks/plant_scale.py [--time-limit 60] [--workers 2]

Prints the time to the first checked plan, the total weighted tardiness after the time limit
against an earliest-due-date dispatch baseline, and a reschedule after a machine breakdown
(wall time and share of operations moved); the last line is one JSON object of those figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from mcbackend.scheduling.calendar import Shift, working_windows
from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.problem import (
    Job,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
)
from mcbackend.scheduling.solver import SolveOptions, best_dispatch, solve

DAY = 1440
TZ = "Europe/Berlin"
ORIGIN = datetime(2026, 3, 2, tzinfo=ZoneInfo(TZ))  # a Monday
# Two shifts, 06:00-22:00 on weekdays, with a half-hour break in each.
SHIFTS = [Shift(day, start, end) for day in range(5)
          for start, end in ((clock(6), clock(10)), (clock(10, 30), clock(18)),
                             (clock(18, 30), clock(22)))]
# (stage, resources, capacity, duration range in minutes, splittable)
STAGES = [("cut", 6, 1, (10, 40), False), ("sew", 7, 1, (20, 60), False),
          ("paint", 6, 1, (10, 30), False), ("cure", 3, 4, (60, 120), False),
          ("assemble", 8, 1, (20, 50), False)]
COLOURS = ["white", "yellow", "red", "black"]
RESCHEDULE_LIMIT_S = 4.0
# An operation moves in a reschedule only if that saves an hour of weighted tardiness.
WEIGHTS = ObjectiveWeights(tardiness=1, makespan=0, flow_time=0, stability=60)


def build_plant(seed: int = 7, n_jobs: int = 400) -> SchedulingProblem:
    rng = random.Random(seed)
    windows = tuple(working_windows(ORIGIN, datetime(2026, 3, 23, tzinfo=ZoneInfo(TZ)),
                                    SHIFTS, TZ))
    # Changeovers grow with the distance between colours (light to dark), so a detour
    # through a third colour never helps.
    setups = {(a, b): 20 + 8 * abs(i - k) for i, a in enumerate(COLOURS)
              for k, b in enumerate(COLOURS) if a != b}
    resources, by_stage = [], {}
    for stage, count, capacity, _, _ in STAGES:
        by_stage[stage] = [f"{stage}{i + 1}" for i in range(count)]
        resources += [Resource(r, capacity=capacity, windows=windows,
                               setup_times=setups if stage == "paint" else {})
                      for r in by_stage[stage]]
    jobs, operations, precedences = [], [], []
    for j in range(n_jobs):
        release = rng.randrange(0, 2 * DAY)
        rush = rng.random() < 0.1
        job = Job(f"J{j}", due=release + rng.randint(2 * DAY, 5 * DAY) // (2 if rush else 1),
                  weight=5 if rush else 1, release=release)
        jobs.append(job)
        colour = rng.choice(COLOURS)
        previous = None
        for stage, _, _, (low, high), splittable in STAGES:
            base = rng.randint(low, high)
            eligible = rng.sample(by_stage[stage], k=2 if stage == "paint" else rng.choice([2, 3]))
            modes = tuple(Mode(r, max(1, round(base * rng.uniform(0.8, 1.2))))
                          for r in sorted(eligible))
            op = Operation(f"{job.id}.{stage}", job.id, modes, splittable=splittable,
                           setup_family=colour if stage == "paint" else None,
                           demand=rng.choice([1, 2]) if stage == "cure" else 1)
            operations.append(op)
            if previous is not None:
                precedences.append(Precedence(previous, op.id))
            previous = op.id
    return SchedulingProblem(tuple(resources), tuple(jobs), tuple(operations),
                             tuple(precedences), weights=WEIGHTS)


def breakdown(problem: SchedulingProblem, plan, at: int, hours: int) -> SchedulingProblem:
    """The plant at minute `at`: operations already started are frozen, and the busiest paint
    booth is down for `hours`."""
    frozen = tuple(a for a in plan if a.start < at)
    busiest = max((r.id for r in problem.resources if r.id.startswith("paint")),
                  key=lambda r: sum(a.end - a.start for a in plan if a.resource_id == r))
    resources = tuple(
        Resource(r.id, r.capacity, r.windows, ((at, at + 60 * hours),), r.setup_times)
        if r.id == busiest else r for r in problem.resources)
    return SchedulingProblem(resources, problem.jobs, problem.operations, problem.precedences,
                             frozen=frozen, previous_plan=tuple(plan), weights=problem.weights)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    problem = build_plant()
    n_ops = len(problem.operations)
    print(f"plant: {len(problem.resources)} resources, {len(problem.jobs)} jobs, {n_ops} "
          "operations", flush=True)

    started = time.monotonic()
    first = best_dispatch(problem)
    first_plan_s = time.monotonic() - started
    assert first is not None and not check_plan(problem, first)
    print(f"first checked plan (dispatch): {first_plan_s:.2f} s", flush=True)

    baseline = dispatch(problem, "edd")
    assert baseline is not None and not check_plan(problem, baseline)
    edd = plan_metrics(problem, baseline).weighted_tardiness
    print(f"EDD dispatch weighted tardiness: {edd}", flush=True)

    result = solve(problem, SolveOptions(time_limit_s=args.time_limit, workers=args.workers))
    assert result.status in ("optimal", "feasible"), result.infeasible_reason
    solved = result.weighted_tardiness or 0
    reduction = 100.0 * (edd - solved) / edd if edd else 0.0
    print(f"solver weighted tardiness at {args.time_limit:.0f} s: {solved} "
          f"({reduction:.1f} % less than EDD), status {result.status}, "
          f"wall {result.wall_s:.1f} s", flush=True)

    disrupted = breakdown(problem, result.assignments, at=DAY + 10 * 60, hours=2)
    again = solve(disrupted, SolveOptions(time_limit_s=RESCHEDULE_LIMIT_S, workers=args.workers))
    assert again.status in ("optimal", "feasible"), again.infeasible_reason
    assert not check_plan(disrupted, again.assignments)
    moved = plan_metrics(disrupted, again.assignments).moved
    print(f"reschedule after breakdown: {again.wall_s:.2f} s, {moved} of {n_ops} operations "
          f"moved ({100.0 * moved / n_ops:.1f} %), {len(disrupted.frozen)} frozen", flush=True)

    print(json.dumps({
        "operations": n_ops,
        "first_plan_s": round(first_plan_s, 2),
        "edd_weighted_tardiness": edd,
        "weighted_tardiness": solved,
        "tardiness_reduction_pct": round(reduction, 1),
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "reschedule_s": round(again.wall_s, 2),
        "moved_pct": round(100.0 * moved / n_ops, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
