"""The solver's input and output: plain dataclasses in integer minutes from the problem origin.

A `SchedulingProblem` is a flexible job shop with plant features: each operation runs on one of
its eligible resources (a `Mode` gives that resource's duration), precedence arcs carry minimum
and maximum time lags, resources have working windows (calendars with downtime already
subtracted), capacity and sequence-dependent setup times per setup family.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SolveStatus = Literal["optimal", "feasible", "infeasible", "unknown", "error"]


@dataclass(frozen=True)
class Resource:
    """A machine, station or person.

    `windows` are the working windows as sorted, disjoint half-open `(start, end)` minute pairs;
    `None` means the resource is always available. `downtime` windows are removed from them.
    `setup_times[(from_family, to_family)]` is the changeover time between two consecutive
    operations on this resource (missing pairs need none); setups need capacity 1.
    """

    id: str
    capacity: int = 1
    windows: tuple[tuple[int, int], ...] | None = None
    downtime: tuple[tuple[int, int], ...] = ()
    setup_times: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Mode:
    """One way to run an operation: on `resource_id` for `duration` working minutes."""

    resource_id: str
    duration: int


@dataclass(frozen=True)
class Operation:
    """A unit of work of a job.

    A `splittable` operation may pause over non-working time of its resource; any other one
    must fit inside a single working window. `demand` is the capacity it takes on a resource
    with capacity above 1 (an oven shelf, a drying rack slot).
    """

    id: str
    job_id: str
    modes: tuple[Mode, ...]
    setup_family: str | None = None
    splittable: bool = False
    release: int = 0
    demand: int = 1


@dataclass(frozen=True)
class Job:
    """A unit of production; tardiness is measured on its last operation's end."""

    id: str
    due: int | None = None
    weight: int = 1
    release: int = 0


@dataclass(frozen=True)
class Precedence:
    """`after` starts at least `min_lag` and at most `max_lag` minutes after `before` ends."""

    before: str
    after: str
    min_lag: int = 0
    max_lag: int | None = None


@dataclass(frozen=True)
class Assignment:
    """Where and when an operation runs; `end` includes breaks for a split operation."""

    operation_id: str
    resource_id: str
    start: int
    end: int


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the objective terms.

    Per minute of weighted tardiness, of makespan and of flow time, and per operation that
    leaves its resource or start in the previous plan. The defaults let tardiness dominate
    makespan, and move an operation only when that saves an hour of weighted tardiness.
    """

    tardiness: int = 10
    makespan: int = 1
    flow_time: int = 0
    stability: int = 600


@dataclass(frozen=True)
class SchedulingProblem:
    """Everything one solve needs; `frozen` operations (started or done) keep their assignment
    and `previous_plan` both hints the solve and anchors the stability term."""

    resources: tuple[Resource, ...]
    jobs: tuple[Job, ...]
    operations: tuple[Operation, ...]
    precedences: tuple[Precedence, ...] = ()
    frozen: tuple[Assignment, ...] = ()
    previous_plan: tuple[Assignment, ...] = ()
    weights: ObjectiveWeights = ObjectiveWeights()
    horizon: int | None = None


@dataclass(frozen=True)
class SolveResult:
    """The outcome of one solve. `gap` is relative: (objective - best_bound) / objective."""

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    wall_s: float
    assignments: tuple[Assignment, ...] = ()
    infeasible_reason: str = ""
    makespan: int | None = None
    weighted_tardiness: int | None = None
