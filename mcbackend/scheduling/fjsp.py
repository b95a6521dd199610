"""Standard flexible-job-shop files (.fjs) as scheduling problems, and their benchmark solve.

Format: a header `jobs machines [average flexibility]`, then per job the number of operations
and for each operation the number of eligible machines followed by `machine duration` pairs,
machines numbered from 1. Tokens are read as one stream, so tabs, spaces and wrapped lines
are all accepted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.problem import (
    Job,
    Mode,
    ObjectiveWeights,
    Operation,
    Precedence,
    Resource,
    SchedulingProblem,
)
from mcbackend.scheduling.solver import SolveOptions, makespan_lower_bound, solve


class FjspFormatError(ValueError):
    """The file is not a well-formed .fjs instance."""


def parse_fjsp(text: str) -> SchedulingProblem:
    """A makespan-only problem: jobs `J1..`, operations `J1.O1..`, machines `M1..`."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines or len(lines[0]) < 2:
        raise FjspFormatError("missing header 'jobs machines [flexibility]'")
    try:
        n_jobs, n_machines = int(lines[0][0]), int(lines[0][1])
        tokens = [int(token) for line in lines[1:] for token in line]
    except ValueError as exc:
        raise FjspFormatError(f"non-integer token: {exc}") from exc
    stream = iter(tokens)

    def take() -> int:
        try:
            return next(stream)
        except StopIteration:
            raise FjspFormatError("file ends in the middle of a job") from None

    operations: list[Operation] = []
    precedences: list[Precedence] = []
    for j in range(1, n_jobs + 1):
        previous = None
        for o in range(1, take() + 1):
            modes = []
            for _ in range(take()):
                machine, duration = take(), take()
                if not 1 <= machine <= n_machines:
                    raise FjspFormatError(f"job {j} operation {o}: machine {machine} out of range")
                modes.append(Mode(f"M{machine}", duration))
            op = Operation(id=f"J{j}.O{o}", job_id=f"J{j}", modes=tuple(modes))
            operations.append(op)
            if previous is not None:
                precedences.append(Precedence(previous, op.id))
            previous = op.id
    return SchedulingProblem(
        resources=tuple(Resource(f"M{m}") for m in range(1, n_machines + 1)),
        jobs=tuple(Job(f"J{j}") for j in range(1, n_jobs + 1)),
        operations=tuple(operations),
        precedences=tuple(precedences),
        weights=ObjectiveWeights(tardiness=0, makespan=1, flow_time=0, stability=0),
    )


def solve_fjsp_file(path: str | Path, time_limit_s: float, workers: int) -> dict[str, Any]:
    """Solve one .fjs file for makespan and return the benchmark's JSON fields.

    The plan is checked independently; a plan with violations is reported as status "error".
    """
    path = Path(path)
    problem = parse_fjsp(path.read_text())
    result = solve(problem, SolveOptions(time_limit_s=time_limit_s, workers=workers))
    status = result.status
    if result.assignments and check_plan(problem, result.assignments):
        status = "error"
    bound = max(makespan_lower_bound(problem), int(result.best_bound or 0))
    return {
        "instance": path.stem,
        "makespan": result.makespan,
        "lower_bound": bound,
        "status": status,
        "wall_s": round(result.wall_s, 2),
    }
