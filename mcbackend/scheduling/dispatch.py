"""Greedy dispatching: a serial schedule built one operation at a time.

It serves three purposes: the solver's first solution (hint and tight horizon), the fallback
when the solver finds nothing in time, and the earliest-due-date baseline of the plant
benchmark. Operations are inserted into the earliest gap that respects calendars, setups and
capacity; maximum lags are not enforced here, so callers check the plan before using it.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from mcbackend.scheduling.calendar import effective_windows
from mcbackend.scheduling.problem import (
    Assignment,
    Mode,
    Operation,
    Resource,
    SchedulingProblem,
)

DispatchRule = Literal["edd", "odd", "atc", "mwr", "ect", "previous"]

# Apparent tardiness cost: slack is discounted over this many average operation durations,
# setups over this many average setups (values from the ATCS literature's usual range).
_ATC_SLACK_SCALE = 2.0
_ATC_SETUP_SCALE = 1.0


def place_on_calendar(
    windows: Sequence[tuple[int, int]] | None, earliest: int, duration: int, splittable: bool
) -> tuple[int, int] | None:
    """The first (start, end) at or after `earliest` that the calendar allows, or None."""
    if windows is None:
        return earliest, earliest + duration
    k = bisect.bisect_right([end for _, end in windows], earliest)
    if not splittable:
        for w_start, w_end in windows[k:]:
            start = max(earliest, w_start)
            if start + duration <= w_end:
                return start, start + duration
        return None
    if k == len(windows):
        return None
    start = max(earliest, windows[k][0])
    remaining, cursor = duration, start
    for w_start, w_end in windows[k:]:
        cursor = max(cursor, w_start)
        if cursor + remaining <= w_end:
            return start, cursor + remaining
        remaining -= w_end - cursor
    return None


@dataclass
class _Timeline:
    """Bookings of one resource, kept sorted by start."""

    resource: Resource
    windows: list[tuple[int, int]] | None
    starts: list[int] = field(default_factory=list)
    bookings: list[tuple[int, int, str | None, int]] = field(default_factory=list)
    # The latest end booked and its family: where a serial schedule goes on from.
    frontier: int = 0
    frontier_family: str | None = None

    def book(self, start: int, end: int, family: str | None, demand: int) -> None:
        k = bisect.bisect_right(self.starts, start)
        self.starts.insert(k, start)
        self.bookings.insert(k, (start, end, family, demand))
        if end >= self.frontier:
            self.frontier, self.frontier_family = end, family

    def earliest(self, op: Operation, duration: int, earliest: int) -> tuple[int, int] | None:
        setups = self.resource.setup_times
        family = op.setup_family
        t = earliest
        while True:
            slot = place_on_calendar(self.windows, t, duration, op.splittable)
            if slot is None:
                return None
            start, end = slot
            if self.resource.capacity > 1:
                blocker = self._capacity_blocker(start, end, op.demand)
            else:
                blocker = self._sequence_blocker(start, end, family, setups)
            if blocker is None:
                return slot
            t = max(blocker, t + 1)

    def _sequence_blocker(self, start: int, end: int, family: str | None, setups) -> int | None:
        k = bisect.bisect_right(self.starts, start)
        if k > 0:
            _, p_end, p_family, _ = self.bookings[k - 1]
            ready = p_end + setups.get((p_family, family), 0)
            if ready > start:
                return ready
        if k < len(self.bookings):
            n_start, n_end, n_family, _ = self.bookings[k]
            if end + setups.get((family, n_family), 0) > n_start:
                return n_end + setups.get((n_family, family), 0)
        return None

    def _capacity_blocker(self, start: int, end: int, demand: int) -> int | None:
        overlapping = [b for b in self.bookings if b[0] < end and start < b[1]]
        events = sorted([(b[0], b[3]) for b in overlapping] + [(b[1], -b[3]) for b in overlapping])
        load = 0
        for minute, delta in events:
            load += delta
            if load + demand > self.resource.capacity and minute < end:
                return min(b[1] for b in overlapping if b[1] > start)
        return None


def dispatch(problem: SchedulingProblem, rule: DispatchRule = "edd") -> list[Assignment] | None:
    """A greedy plan, or None when some operation cannot be placed (no eligible resource,
    no window long enough, a precedence cycle).

    Rules: `edd` takes the ready operation of the job due first, `odd` the one whose job due
    date minus remaining work is earliest, `atc` the one with the highest apparent tardiness
    cost (job weight per minute of work, discounted by the job's slack and by the setup its
    resources need), `mwr` the one with most work remaining, `ect` the (operation, resource)
    pair that completes earliest, and `previous` repairs the previous plan: operations keep
    resource and start where they still can, the others go wherever they finish earliest,
    never earlier than before.
    """
    operations = {op.id: op for op in problem.operations}
    jobs = {job.id: job for job in problem.jobs}
    timelines = {res.id: _Timeline(res, effective_windows(res)) for res in problem.resources}
    successors: dict[str, list[tuple[str, int]]] = defaultdict(list)
    pending_preds: dict[str, int] = dict.fromkeys(operations, 0)
    for arc in problem.precedences:
        successors[arc.before].append((arc.after, arc.min_lag))
        pending_preds[arc.after] += 1
    work_left = _work_remaining(problem, successors)
    previous = {a.operation_id: a for a in problem.previous_plan}
    far = 2**40
    min_duration = {
        op.id: min((m.duration for m in op.modes), default=0) for op in problem.operations
    }
    mean_duration = max(1.0, sum(min_duration.values()) / max(1, len(min_duration)))
    setup_values = [v for r in problem.resources for v in r.setup_times.values() if v > 0]
    mean_setup = max(1.0, sum(setup_values) / len(setup_values)) if setup_values else 1.0
    slack_scale = _ATC_SLACK_SCALE * mean_duration
    setup_scale = _ATC_SETUP_SCALE * mean_setup
    lines_of = {
        op.id: [timelines[m.resource_id] for m in op.modes if m.resource_id in timelines]
        for op in problem.operations
    }

    def apparent_tardiness_cost(op: Operation, due: int | None) -> tuple[float, float]:
        """(cost, slack): slack is the job's due date minus its remaining work minus the time
        the operation could start on its least busy resource."""
        free_at, setup = far, far
        for line in lines_of[op.id]:
            free_at = min(free_at, line.frontier)
            setup = min(
                setup, line.resource.setup_times.get((line.frontier_family, op.setup_family), 0)
            )
        if free_at == far:
            free_at = setup = 0
        slack = (far if due is None else due) - work_left[op.id] - max(earliest[op.id], free_at)
        weight = jobs[op.job_id].weight if op.job_id in jobs else 1
        cost = (
            weight
            / max(1, min_duration[op.id])
            * math.exp(-max(0, slack) / slack_scale - setup / setup_scale)
        )
        return cost, slack

    def priority(op_id: str) -> tuple[float, ...]:
        op = operations[op_id]
        due = jobs[op.job_id].due if op.job_id in jobs else None
        if rule == "edd":
            return (far if due is None else due, -work_left[op_id], op_id)
        if rule == "odd":
            # Operation due date: the latest start that still lets the job finish on time.
            job_weight = jobs[op.job_id].weight if op.job_id in jobs else 1
            return (far if due is None else due - work_left[op_id], -job_weight, op_id)
        if rule == "atc":
            cost, slack = apparent_tardiness_cost(op, due)
            return (-cost, slack, op_id)
        if rule == "previous" and op_id in previous:
            return (previous[op_id].start, op_id)
        return (-work_left[op_id], op_id)

    earliest: dict[str, int] = {
        op.id: max(op.release, jobs[op.job_id].release if op.job_id in jobs else 0)
        for op in problem.operations
    }
    placed: dict[str, Assignment] = {}

    def commit(assignment: Assignment) -> None:
        op = operations[assignment.operation_id]
        placed[op.id] = assignment
        timelines[assignment.resource_id].book(
            assignment.start, assignment.end, op.setup_family, op.demand
        )
        for succ, lag in successors[op.id]:
            earliest[succ] = max(earliest[succ], assignment.end + lag)
            pending_preds[succ] -= 1

    for frozen in problem.frozen:
        if frozen.operation_id in operations and frozen.resource_id in timelines:
            commit(frozen)

    def earliest_of(op: Operation, modes: Sequence[Mode], start_at: int) -> Assignment | None:
        best: Assignment | None = None
        for mode in modes:
            if mode.resource_id not in timelines:
                continue
            slot = timelines[mode.resource_id].earliest(op, mode.duration, start_at)
            if slot is not None and (best is None or (slot[1], slot[0]) < (best.end, best.start)):
                best = Assignment(op.id, mode.resource_id, slot[0], slot[1])
        return best

    def best_mode(op_id: str) -> Assignment | None:
        op = operations[op_id]
        prev = previous.get(op_id) if rule == "previous" else None
        if prev is not None:
            found = earliest_of(op, op.modes, max(earliest[op_id], prev.start))
            if found is not None:
                return found
        return earliest_of(op, op.modes, earliest[op_id])

    def keep_previous(op_id: str) -> Assignment | None:
        """The operation's previous resource and start, if still free and still allowed."""
        prev = previous.get(op_id)
        if prev is None or earliest[op_id] > prev.start:
            return None
        op = operations[op_id]
        kept = [m for m in op.modes if m.resource_id == prev.resource_id]
        found = earliest_of(op, kept, prev.start)
        return found if found is not None and found.start == prev.start else None

    # `previous` first places every operation that can keep its slot; displaced ones wait
    # and then fill the gaps left, so they never push a kept operation out of its place.
    displaced: set[str] = set()
    ready = {op_id for op_id, n in pending_preds.items() if n == 0 and op_id not in placed}
    while ready:
        if rule == "ect":
            candidates = [(best_mode(op_id), op_id) for op_id in ready]
            choices = [(a, op_id) for a, op_id in candidates if a is not None]
            if len(choices) < len(candidates):
                return None
            chosen, op_id = min(choices, key=lambda c: (c[0].end, priority(c[1])))
        elif rule == "previous" and ready - displaced:
            op_id = min(ready - displaced, key=priority)
            kept_slot = keep_previous(op_id)
            if kept_slot is None:
                displaced.add(op_id)
                continue
            chosen = kept_slot
        else:
            op_id = min(ready, key=priority)
            chosen = best_mode(op_id)
            if chosen is None:
                return None
        ready.discard(op_id)
        commit(chosen)
        ready.update(
            succ for succ, _ in successors[op_id] if pending_preds[succ] == 0 and succ not in placed
        )
    if len(placed) < len(operations):
        return None
    return sorted(placed.values(), key=lambda a: (a.start, a.operation_id))


def _work_remaining(
    problem: SchedulingProblem, successors: dict[str, list[tuple[str, int]]]
) -> dict[str, int]:
    """Longest path of minimum durations from each operation's start to the end of its job."""
    min_duration = {
        op.id: min((m.duration for m in op.modes), default=0) for op in problem.operations
    }
    memo: dict[str, int] = {}
    entered: set[str] = set()
    # Iterative depth-first search: deep routings must not hit the recursion limit; an arc
    # back into an operation still being expanded (a cycle) counts as zero.
    for root in min_duration:
        stack = [(root, False)]
        while stack:
            op_id, expanded = stack.pop()
            if expanded:
                memo[op_id] = min_duration[op_id] + max(
                    (memo.get(s, 0) + max(lag, 0) for s, lag in successors[op_id]), default=0
                )
            elif op_id not in entered:
                entered.add(op_id)
                stack.append((op_id, True))
                stack.extend((s, False) for s, _ in successors[op_id] if s not in entered)
    return memo
