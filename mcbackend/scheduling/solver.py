"""Solve orchestration: validate, greedy plan, full CP-SAT search, then large neighbourhood
search, and a checked result."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.lns import improve
from mcbackend.scheduling.metrics import plan_metrics
from mcbackend.scheduling.model import Infeasible, ProblemData, ScheduleModel, solve_guarded
from mcbackend.scheduling.problem import Assignment, SchedulingProblem, SolveResult
from mcbackend.scheduling.window_lns import improve_plan


@dataclass(frozen=True)
class SolveOptions:
    """Solver limits; `workers` is CP-SAT's number of parallel search workers."""

    time_limit_s: float = 10.0
    workers: int = 2
    seed: int = 0


# Shares of the remaining time: completing the greedy plan into a hint, then the full search
# before large neighbourhood search takes over.
_COMPLETION_SHARE = 0.2
_FULL_SEARCH_SHARE = 0.1
_MIN_PHASE_S = 0.2
_LARGE_PROBLEM_OPS = 600


def solve(problem: SchedulingProblem, options: SolveOptions | None = None) -> SolveResult:
    """Solve `problem`; never raises for infeasible input (status "infeasible" with a reason).

    A full CP-SAT search runs first (it proves bounds and settles easy instances), then large
    neighbourhood search spends the rest of the time limit. The returned plan has passed
    `check_plan`; when CP-SAT finds nothing in time the best greedy plan is returned instead
    (status "feasible", bound unknown).
    """
    options = options or SolveOptions()
    started = time.monotonic()
    if not problem.operations:  # nothing to plan: the empty plan is optimal
        return SolveResult("optimal", 0.0, 0.0, 0.0, time.monotonic() - started, makespan=0,
                           weighted_tardiness=0)
    deadline = started + options.time_limit_s
    try:
        data = ProblemData(problem)
    except Infeasible as exc:
        return _failed("infeasible", str(exc), started)
    heuristic = best_dispatch(problem)
    if len(problem.operations) > _LARGE_PROBLEM_OPS and heuristic is not None:
        return _solve_large(data, heuristic, deadline, options, started)
    built = time.monotonic()
    schedule = ScheduleModel(data, heuristic)
    build_s = time.monotonic() - built
    start_values = None
    if heuristic is not None:
        # A complete hint lets every worker start from the greedy plan at once.
        start_values = schedule.complete(heuristic, _budget(deadline, _COMPLETION_SHARE))
        if start_values is not None:
            schedule.set_hint(start_values)
    solver = cp_model.CpSolver()
    # On large plants the full search rarely beats the hint; neighbourhood search gets the time.
    full_share = _FULL_SEARCH_SHARE if len(problem.operations) <= _LARGE_PROBLEM_OPS else 0.05
    status = _full_search(solver, schedule, options, _budget(deadline, full_share))
    if status == cp_model.INFEASIBLE:
        return _failed(
            "infeasible",
            "no plan satisfies the calendars, lags, frozen operations "
            "and capacities together (proved by the solver)",
            started,
        )
    if status == cp_model.MODEL_INVALID:
        return _failed("error", f"invalid model: {schedule.model.validate()}", started)

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(solver.response_proto.solution)
        objective = round(solver.objective_value)
        bound = max(math.ceil(solver.best_objective_bound - 1e-6), _static_bound(data))
    elif start_values is not None:
        values = start_values
        objective = plan_metrics(problem, heuristic).objective(problem)
        bound = None
    elif heuristic is not None:
        return _result(problem, "feasible", heuristic, None, started)
    else:
        return _failed("unknown", "no plan found within the time limit", started)
    plan = schedule.extract(values)
    # Each neighbourhood step builds its own small model: only worth it with time to search.
    if (bound is None or objective > bound) and (
        deadline - time.monotonic() > 2 * build_s + _MIN_PHASE_S
    ):
        plan, objective = improve(
            data, plan, objective, bound, deadline, options.workers, options.seed
        )
    violations = check_plan(problem, plan)
    if violations:
        reason = "; ".join(v.message for v in violations[:5])
        return _failed("error", f"solver plan failed the checker: {reason}", started)
    optimal = bound is not None and objective <= bound
    return _result(problem, "optimal" if optimal else "feasible", plan, bound, started)


def _solve_large(
    data: ProblemData,
    heuristic: list[Assignment],
    deadline: float,
    options: SolveOptions,
    started: float,
) -> SolveResult:
    """Large plants: building and presolving the full model takes most of the time limit, so
    window neighbourhood search improves the greedy plan with small models instead."""
    problem = data.problem
    bound = _static_bound(data)
    plan = improve_plan(data, heuristic, deadline, options.workers, options.seed, bound)
    violations = check_plan(problem, plan)
    if violations:
        reason = "; ".join(v.message for v in violations[:5])
        return _failed("error", f"window search plan failed the checker: {reason}", started)
    optimal = plan_metrics(problem, plan).objective(problem) <= bound
    return _result(problem, "optimal" if optimal else "feasible", plan, bound, started)


def _static_bound(data: ProblemData) -> int:
    """The makespan lower bound as an objective bound, when makespan is all that counts."""
    weights = data.problem.weights
    if (weights.tardiness, weights.flow_time, weights.stability) != (0, 0, 0):
        return 0
    return weights.makespan * data.makespan_lower_bound


def _budget(deadline: float, share: float) -> float:
    return max(_MIN_PHASE_S, share * (deadline - time.monotonic()))


def _full_search(
    solver: cp_model.CpSolver, schedule: ScheduleModel, options: SolveOptions, time_limit_s: float
) -> cp_model.CpSolverStatus:
    params = solver.parameters
    params.max_time_in_seconds = time_limit_s
    params.num_workers = max(1, options.workers)
    params.random_seed = options.seed
    return solve_guarded(solver, schedule.model)


def _failed(status: str, reason: str, started: float) -> SolveResult:
    return SolveResult(
        status,
        None,
        None,
        None,
        time.monotonic() - started,  # type: ignore[arg-type]
        infeasible_reason=reason,
    )


def best_dispatch(problem: SchedulingProblem) -> list[Assignment] | None:
    """The cheapest plan that passes the checker among the dispatch rules, or None."""
    rules = ["previous"] if problem.previous_plan else []
    # `ect` looks at every ready operation each step: too slow for large plants.
    rules += ["odd", "atc", "edd", "mwr"]
    if len(problem.operations) <= _LARGE_PROBLEM_OPS:
        rules.append("ect")
    best, best_cost = None, math.inf
    for rule in rules:
        plan = dispatch(problem, rule)
        if plan is None or check_plan(problem, plan):
            continue
        cost = plan_metrics(problem, plan).objective(problem)
        if cost < best_cost:
            best, best_cost = plan, cost
    return best


def makespan_lower_bound(problem: SchedulingProblem) -> int:
    """A lower bound on any plan's makespan from job paths and machine-group loads."""
    try:
        return ProblemData(problem).makespan_lower_bound
    except Infeasible:
        return 0


def _result(
    problem: SchedulingProblem,
    status: str,
    plan: list[Assignment],
    bound: float | None,
    started: float,
) -> SolveResult:
    metrics = plan_metrics(problem, plan)
    objective = metrics.objective(problem)
    if bound is not None:
        bound = min(float(objective), max(0.0, math.ceil(bound - 1e-6)))
    gap = None
    if bound is not None:
        gap = 0.0 if objective == bound else (objective - bound) / max(abs(objective), 1e-9)
    return SolveResult(
        status,
        float(objective),
        bound,
        gap,
        time.monotonic() - started,  # type: ignore[arg-type]
        assignments=tuple(plan),
        makespan=metrics.makespan,
        weighted_tardiness=metrics.weighted_tardiness,
    )
