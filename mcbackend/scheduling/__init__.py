"""Scheduling: a flexible job shop with plant features, solved with CP-SAT (pure Python).

Build a `SchedulingProblem`, call `solve`, store the `SolveResult` once `check_plan` agrees.
"""

from mcbackend.scheduling.calendar import Shift, effective_windows, working_windows
from mcbackend.scheduling.checker import Violation, check_plan
from mcbackend.scheduling.dispatch import dispatch
from mcbackend.scheduling.fjsp import FjspFormatError, parse_fjsp, solve_fjsp_file
from mcbackend.scheduling.metrics import PlanMetrics, plan_metrics
from mcbackend.scheduling.problem import (
    Assignment,
    Job,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
    SolveResult,
)
from mcbackend.scheduling.solver import SolveOptions, best_dispatch, makespan_lower_bound, solve

__all__ = [
    "Assignment",
    "FjspFormatError",
    "Job",
    "Mode",
    "ObjectiveWeights",
    "Operation",
    "PlanMetrics",
    "Precedence",
    "Resource",
    "SchedulingProblem",
    "Shift",
    "SolveOptions",
    "SolveResult",
    "Violation",
    "best_dispatch",
    "check_plan",
    "dispatch",
    "effective_windows",
    "makespan_lower_bound",
    "parse_fjsp",
    "plan_metrics",
    "solve",
    "solve_fjsp_file",
    "working_windows",
]
