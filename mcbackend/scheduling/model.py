"""The CP-SAT scheduling model, built in the order data → horizon → variables → constraints →
objective (solve and extract live in `solver` and `lns`).

Techniques, each for a reason:
- one start and end per operation shared by optional intervals per eligible resource plus
  exactly-one presence: the resource choice stays a boolean decision the LP relaxation sees;
- a master interval per operation in redundant cumulatives over groups of capacity-1
  resources (every operation whose resources all lie in the group), so the solver reasons
  about machine load, not only about each machine alone;
- heads and tails (longest paths of minimum durations) tighten every start and end domain,
  and the makespan starts at a lower bound from paths and group loads;
- the best greedy plan gives a tight horizon and, completed by a propagation-only solve, a
  complete hint (warm start); a previous plan repaired by the dispatcher hints a reschedule
  and anchors the stability term;
- calendars: a non-splittable operation's mode has its own start whose domain holds only the
  starts where the whole duration fits in one working window; a splittable one uses the
  working-time clock W(t) = t - offset(window), so W(end) - W(start) equals its duration;
- setups: pairwise family separation when the setup times satisfy the triangle inequality
  (exact, and small for long queues of few families), else a circuit per resource whose arcs
  carry end + setup <= next start.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from ortools.sat.python import cp_model

from mcbackend.scheduling.calendar import effective_windows
from mcbackend.scheduling.problem import (
    Assignment,
    Operation,
    SchedulingProblem,
)

_MAX_GROUP_CUMULATIVES = 12
_log = logging.getLogger(__name__)


class Infeasible(Exception):
    """An input that no plan can satisfy, found before search; the message is the reason."""


class ProblemData:
    """Validated, indexed input: eligible modes, calendars, heads, tails and bounds."""

    def __init__(self, problem: SchedulingProblem) -> None:
        self.problem = problem
        self.resources = {r.id: r for r in problem.resources}
        self.jobs = {j.id: j for j in problem.jobs}
        self.operations = {op.id: op for op in problem.operations}
        self.frozen = {a.operation_id: a for a in problem.frozen}
        self.windows = {r.id: effective_windows(r) for r in problem.resources}
        self._check_references()
        self.modes = {
            op.id: self._feasible_modes(op) for op in problem.operations if op.id not in self.frozen
        }
        self.min_duration = {op_id: min(d for _, d in modes) for op_id, modes in self.modes.items()}
        for op_id, a in self.frozen.items():
            self.min_duration[op_id] = a.end - a.start
        self.successors: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.predecessors: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for arc in problem.precedences:
            self.successors[arc.before].append((arc.after, arc.min_lag))
            self.predecessors[arc.after].append((arc.before, arc.min_lag))
        self._check_lags()
        self.order = self._topological_order()
        self.head = self._heads()
        self.tail = self._tails()
        self.makespan_lower_bound = self._makespan_lower_bound()

    def release(self, op: Operation) -> int:
        job = self.jobs.get(op.job_id)
        return max(op.release, job.release if job else 0)

    def _check_references(self) -> None:
        for op in self.problem.operations:
            if op.job_id not in self.jobs:
                raise Infeasible(f"operation {op.id} belongs to unknown job {op.job_id}")
        for arc in self.problem.precedences:
            for op_id in (arc.before, arc.after):
                if op_id not in self.operations:
                    raise Infeasible(f"precedence names unknown operation {op_id}")
        for op_id, a in self.frozen.items():
            if op_id not in self.operations or a.resource_id not in self.resources:
                raise Infeasible(f"frozen assignment {a} names an unknown operation or resource")

    def _feasible_modes(self, op: Operation) -> list[tuple[str, int]]:
        """(resource, duration) pairs that can hold the operation at all."""
        modes, reasons = [], []
        for mode in op.modes:
            resource = self.resources.get(mode.resource_id)
            if resource is None:
                reasons.append(f"{mode.resource_id} does not exist")
            elif op.demand > resource.capacity:
                reasons.append(
                    f"{mode.resource_id} has capacity {resource.capacity} < demand {op.demand}"
                )
            elif mode.duration < 0:
                reasons.append(f"negative duration on {mode.resource_id}")
            elif not self._fits_calendar(op, mode.resource_id, mode.duration):
                reasons.append(
                    f"no working time on {mode.resource_id} holds {mode.duration} minutes"
                )
            else:
                modes.append((mode.resource_id, mode.duration))
        if not modes:
            detail = "; ".join(reasons) if reasons else "it has no eligible resource"
            raise Infeasible(f"no resource can do operation {op.id}: {detail}")
        return modes

    def _fits_calendar(self, op: Operation, resource_id: str, duration: int) -> bool:
        windows = self.windows[resource_id]
        if windows is None:
            return True
        release = self.release(op)
        if op.splittable:
            return sum(max(0, e - max(s, release)) for s, e in windows) >= duration
        return any(e - max(s, release) >= duration for s, e in windows)

    def _check_lags(self) -> None:
        for arc in self.problem.precedences:
            if arc.max_lag is not None and arc.max_lag < arc.min_lag:
                raise Infeasible(
                    f"lag from {arc.before} to {arc.after} cannot hold: "
                    f"max {arc.max_lag} < min {arc.min_lag}"
                )
        if any(arc.max_lag is not None for arc in self.problem.precedences):
            self._check_temporal_network()

    def _check_temporal_network(self) -> None:
        """Bellman-Ford on the simple temporal network of starts and ends: a negative cycle
        means minimum durations and lags contradict some maximum lag."""
        edges: list[tuple[str, str, int, str]] = []
        for op_id, dmin in self.min_duration.items():
            edges.append((f"e:{op_id}", f"s:{op_id}", -dmin, op_id))
            modes = self.modes.get(op_id)
            op = self.operations[op_id]
            if modes is not None and not op.splittable:
                edges.append((f"s:{op_id}", f"e:{op_id}", max(d for _, d in modes), op_id))
        for arc in self.problem.precedences:
            edges.append((f"s:{arc.after}", f"e:{arc.before}", -arc.min_lag, arc.after))
            if arc.max_lag is not None:
                edges.append((f"e:{arc.before}", f"s:{arc.after}", arc.max_lag, arc.before))
        distance: dict[str, int] = defaultdict(int)
        for _ in range(2 * len(self.operations) + 1):
            changed = None
            for source, target, weight, op_id in edges:
                if distance[source] + weight < distance[target]:
                    distance[target] = distance[source] + weight
                    changed = op_id
            if changed is None:
                return
        raise Infeasible(
            f"a maximum lag cannot hold: durations and minimum lags around "
            f"operation {changed} exceed it"
        )

    def _topological_order(self) -> list[str]:
        indegree = {op_id: len(self.predecessors[op_id]) for op_id in self.operations}
        order = [op_id for op_id, n in indegree.items() if n == 0]
        for op_id in order:
            for succ, _ in self.successors[op_id]:
                indegree[succ] -= 1
                if indegree[succ] == 0:
                    order.append(succ)
        if len(order) < len(self.operations):
            stuck = sorted(op_id for op_id, n in indegree.items() if n > 0)[:5]
            raise Infeasible(f"precedences form a cycle through {', '.join(stuck)}")
        return order

    def _heads(self) -> dict[str, int]:
        head: dict[str, int] = {}
        for op_id in self.order:
            if op_id in self.frozen:
                head[op_id] = self.frozen[op_id].start
                continue
            head[op_id] = max(
                [self.release(self.operations[op_id])]
                + [head[p] + self.min_duration[p] + lag for p, lag in self.predecessors[op_id]]
            )
        return head

    def _tails(self) -> dict[str, int]:
        tail: dict[str, int] = {}
        for op_id in reversed(self.order):
            tail[op_id] = max(
                [0] + [lag + self.min_duration[s] + tail[s] for s, lag in self.successors[op_id]]
            )
        return tail

    def machine_groups(self) -> list[tuple[frozenset[str], list[str]]]:
        """Groups of capacity-1 resources with the operations confined to them, most loaded
        first; a group is worth a redundant cumulative only when it can bind."""
        unary = {r for r, res in self.resources.items() if res.capacity == 1}
        eligible = {op_id: frozenset(r for r, _ in modes) for op_id, modes in self.modes.items()}
        candidates = {s for s in eligible.values() if len(s) >= 2 and s <= unary}
        if len(unary) >= 2:
            candidates.add(frozenset(unary))
        groups = []
        for group in candidates:
            members = [op_id for op_id, s in eligible.items() if s <= group]
            if len(members) > len(group):
                load = sum(self.min_duration[op_id] for op_id in members) / len(group)
                groups.append((load, sorted(group), group, members))
        groups.sort(key=lambda g: (-g[0], g[1]))
        return [(g[2], g[3]) for g in groups[:_MAX_GROUP_CUMULATIVES]]

    def _makespan_lower_bound(self) -> int:
        bound = max(
            (self.head[o] + self.min_duration[o] + self.tail[o] for o in self.order), default=0
        )
        unary = {r for r, res in self.resources.items() if res.capacity == 1}
        by_resource: dict[str, list[str]] = defaultdict(list)
        for op_id, modes in self.modes.items():
            if len(modes) == 1:
                by_resource[modes[0][0]].append(op_id)
        groups = [
            *self.machine_groups(),
            *((frozenset([r]), ops) for r, ops in by_resource.items() if r in unary),
        ]
        for group, members in groups:
            work = sum(self.min_duration[o] for o in members)
            bound = max(
                bound,
                min(self.head[o] for o in members)
                + math.ceil(work / len(group))
                + min(self.tail[o] for o in members),
            )
        return bound


def solve_guarded(solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
    """``solver.solve(model)``, retried without symmetry detection if CP-SAT crashes.

    OR-Tools 9.15's symmetry detection fails with ``IndexError: absl::btree_map::at`` on some
    calendar models that carry a complete solution hint (see the scheduling regression test);
    the same model solves normally without it.
    """
    try:
        return solver.solve(model)
    except IndexError:
        solver.parameters.symmetry_level = 0
        return solver.solve(model)


def run_workers(search: Callable[[int], None], workers: int) -> None:
    """Run ``search(worker)`` on one thread per worker and wait for all of them.

    A worker that raises is logged and stops; the others go on, and the plan they share
    stays whatever the last accepted step made it."""

    def guarded(worker: int) -> None:
        try:
            search(worker)
        except Exception:
            _log.exception("neighbourhood search worker %d failed", worker)

    threads = [
        threading.Thread(target=guarded, args=(w,), daemon=True) for w in range(max(1, workers))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class ScheduleModel:
    """Builds the CP-SAT model for validated data and keeps its variables by domain id."""

    def __init__(
        self, data: ProblemData, hint: list[Assignment] | None, redundant: bool = True
    ) -> None:
        self.data = data
        self.model = cp_model.CpModel()
        self.horizon = self._horizon(hint)
        self.start: dict[str, cp_model.IntVar] = {}
        self.end: dict[str, cp_model.IntVar] = {}
        self.present: dict[tuple[str, str], cp_model.IntVar] = {}
        self.intervals: dict[tuple[str, str], cp_model.IntervalVar] = {}
        self.size: dict[tuple[str, str], cp_model.IntVar] = {}
        self.completion: dict[str, cp_model.IntVar] = {}
        self.makespan = self.model.new_int_var(
            min(data.makespan_lower_bound, self.horizon), self.horizon, "makespan"
        )
        self.movable_operations = [o for o in data.order if o not in data.frozen]
        self.operations_by_job: dict[str, list[str]] = defaultdict(list)
        for op_id in self.movable_operations:
            self.operations_by_job[data.operations[op_id].job_id].append(op_id)
        self._add_operation_variables()
        self._add_resource_constraints()
        self._add_precedences()
        self._add_objective()
        if hint is not None:
            self._add_hint(hint)
        if redundant:
            # Neighbourhood steps go without: they slow small models more than they prune.
            self._add_redundant_cumulatives()

    def is_unary(self, resource_id: str) -> bool:
        return self.data.resources[resource_id].capacity == 1

    def _horizon(self, hint: list[Assignment] | None) -> int:
        problem = self.data.problem
        weights = problem.weights
        longest_mode = sum(max(d for _, d in modes) for modes in self.data.modes.values())
        frozen_end = max((a.end for a in problem.frozen), default=0)
        release = max((self.data.release(op) for op in problem.operations), default=0)
        setups = sum(max(r.setup_times.values(), default=0) for r in problem.resources)
        # Worst case: everything runs one after another after the last release.
        serial = max(frozen_end, release) + longest_mode + setups * len(self.data.modes)
        calendar_end = max((w[-1][1] for w in self.data.windows.values() if w), default=0)
        if any(w is not None for w in self.data.windows.values()):
            serial = max(serial, min(calendar_end, 2**31))
        if hint is None:
            return serial
        hint_makespan = max(a.end for a in hint)
        if (weights.tardiness, weights.flow_time, weights.stability) == (0, 0, 0):
            # Makespan alone: no optimal plan ends later than the heuristic plan.
            return hint_makespan
        return max(hint_makespan, min(serial, 2 * hint_makespan + longest_mode))

    def _add_operation_variables(self) -> None:
        data, model = self.data, self.model
        for op_id in data.order:
            op = data.operations[op_id]
            if op_id in data.frozen:
                a = data.frozen[op_id]
                self.start[op_id] = model.new_int_var(a.start, a.start, f"start[{op_id}]")
                self.end[op_id] = model.new_int_var(a.end, a.end, f"end[{op_id}]")
                interval = model.new_interval_var(
                    self.start[op_id],
                    a.end - a.start,
                    self.end[op_id],
                    f"run[{op_id}@{a.resource_id}]",
                )
                self.intervals[op_id, a.resource_id] = interval
                self.present[op_id, a.resource_id] = model.new_constant(1)
                continue
            dmin = data.min_duration[op_id]
            latest_end = self.horizon - data.tail[op_id]
            start = model.new_int_var(
                data.head[op_id], max(data.head[op_id], latest_end - dmin), f"start[{op_id}]"
            )
            end = model.new_int_var(
                data.head[op_id] + dmin, max(data.head[op_id] + dmin, latest_end), f"end[{op_id}]"
            )
            self.start[op_id], self.end[op_id] = start, end
            modes = data.modes[op_id]
            calendar_free = all(data.windows[r] is None for r, _ in modes)
            for resource_id, duration in modes:
                key = (op_id, resource_id)
                name = f"{op_id}@{resource_id}"
                presence = (
                    model.new_constant(1)
                    if len(modes) == 1
                    else model.new_bool_var(f"present[{name}]")
                )
                self.present[key] = presence
                windows = data.windows[resource_id]
                if windows is not None and op.splittable and duration > 0:
                    size = model.new_int_var(duration, self.horizon, f"span[{name}]")
                    self.size[key] = size
                    self.intervals[key] = model.new_optional_interval_var(
                        start, size, end, presence, f"run[{name}]"
                    )
                    self._add_working_clock(key, windows, duration)
                    continue
                if windows is None:
                    self.intervals[key] = model.new_optional_interval_var(
                        start, duration, end, presence, f"run[{name}]"
                    )
                    continue
                # The mode gets its own start whose domain holds only starts that fit in a
                # window: a plain domain, which presolve does not expand per window the way
                # it expands an enforced domain constraint on the shared start.
                fits = [(s, e - duration) for s, e in windows if e - s >= duration]
                mode_start = model.new_int_var_from_domain(
                    cp_model.Domain.from_intervals(fits), f"start[{name}]"
                )
                self.intervals[key] = model.new_optional_fixed_size_interval_var(
                    mode_start, duration, presence, f"run[{name}]"
                )
                model.add(start == mode_start).only_enforce_if(presence)
                model.add(end == mode_start + duration).only_enforce_if(presence)
            if len(modes) > 1:
                model.add_exactly_one(self.present[op_id, r] for r, _ in modes)
            if calendar_free:
                # Redundant with the intervals, but gives the LP the duration of the choice.
                model.add(end == start + sum(d * self.present[op_id, r] for r, d in modes))

    def _add_working_clock(
        self, key: tuple[str, str], windows: Sequence[tuple[int, int]], duration: int
    ) -> None:
        """Split operation: start in working time of window k, end in window l >= k, and
        (end - offset_l) - (start - offset_k) == duration, offset = non-working time so far."""
        model, presence = self.model, self.present[key]
        name = f"{key[0]}@{key[1]}"
        clipped = [
            (max(s, 0), min(e, self.horizon)) for s, e in windows if s < self.horizon and e > 0
        ]
        starts, ends, worked = [], [], 0
        for s, e in clipped:
            offset = s - worked
            starts.append((s, e - 1, offset))
            ends.append((s + 1, e, offset))
            worked += e - s
        low = min(s for s, _ in clipped)
        top = max(e for _, e in clipped)
        start_lo = model.new_int_var(low, top, f"start_window_lo[{name}]")
        start_hi = model.new_int_var(low, top, f"start_window_hi[{name}]")
        start_off = model.new_int_var(-top, top, f"start_offset[{name}]")
        end_lo = model.new_int_var(low, top, f"end_window_lo[{name}]")
        end_hi = model.new_int_var(low, top, f"end_window_hi[{name}]")
        end_off = model.new_int_var(-top, top, f"end_offset[{name}]")
        model.add_allowed_assignments([start_lo, start_hi, start_off], starts)
        model.add_allowed_assignments([end_lo, end_hi, end_off], ends)
        start, end = self.start[key[0]], self.end[key[0]]
        model.add(start >= start_lo).only_enforce_if(presence)
        model.add(start <= start_hi).only_enforce_if(presence)
        model.add(end >= end_lo).only_enforce_if(presence)
        model.add(end <= end_hi).only_enforce_if(presence)
        model.add(end - end_off - start + start_off == duration).only_enforce_if(presence)

    def _add_resource_constraints(self) -> None:
        data, model = self.data, self.model
        by_resource: dict[str, list[str]] = defaultdict(list)
        for op_id, resource_id in self.present:
            by_resource[resource_id].append(op_id)
        for resource_id, op_ids in sorted(by_resource.items()):
            resource = data.resources[resource_id]
            intervals = [self.intervals[op_id, resource_id] for op_id in op_ids]
            if resource.capacity > 1:
                demands = [data.operations[op_id].demand for op_id in op_ids]
                model.add_cumulative(intervals, demands, resource.capacity)
                continue
            model.add_no_overlap(intervals)
            families = {data.operations[o].setup_family for o in op_ids}
            if not any(resource.setup_times.get((a, b), 0) > 0 for a in families for b in families):
                continue
            if _satisfies_triangle_inequality(resource.setup_times, families):
                self._add_setup_pairs(resource_id, op_ids)
            else:
                self._add_setup_circuit(resource_id, op_ids)

    def _add_setup_pairs(self, resource_id: str, op_ids: list[str]) -> None:
        """Every pair of operations of different families is separated by its setup. Exact
        when setups satisfy the triangle inequality (a detour never beats the direct
        changeover), and far smaller than a circuit for long queues of few families."""
        model = self.model
        setups = self.data.resources[resource_id].setup_times
        family = {o: self.data.operations[o].setup_family for o in op_ids}
        for i, op_i in enumerate(op_ids):
            for op_j in op_ids[i + 1 :]:
                forward = setups.get((family[op_i], family[op_j]), 0)
                backward = setups.get((family[op_j], family[op_i]), 0)
                if forward == backward == 0:
                    continue  # the no-overlap constraint already orders them
                both = [self.present[op_i, resource_id], self.present[op_j, resource_id]]
                first = model.new_bool_var(f"before[{op_i}->{op_j}@{resource_id}]")
                model.add(self.start[op_j] >= self.end[op_i] + forward).only_enforce_if(
                    [first, *both]
                )
                model.add(self.start[op_i] >= self.end[op_j] + backward).only_enforce_if(
                    [first.Not(), *both]
                )

    def _add_setup_circuit(self, resource_id: str, op_ids: list[str]) -> None:
        """Node 0 is the resource's idle state; an arc i -> j makes j follow i directly."""
        model = self.model
        setups = self.data.resources[resource_id].setup_times
        family = {o: self.data.operations[o].setup_family for o in op_ids}
        arcs = [(0, 0, model.new_bool_var(f"idle[{resource_id}]"))]
        for i, op_i in enumerate(op_ids, start=1):
            presence = self.present[op_i, resource_id]
            arcs.append((i, i, presence.Not()))
            arcs.append((0, i, model.new_bool_var(f"first[{op_i}@{resource_id}]")))
            arcs.append((i, 0, model.new_bool_var(f"last[{op_i}@{resource_id}]")))
            for j, op_j in enumerate(op_ids, start=1):
                if i == j:
                    continue
                follows = model.new_bool_var(f"next[{op_i}->{op_j}@{resource_id}]")
                arcs.append((i, j, follows))
                setup = setups.get((family[op_i], family[op_j]), 0)
                model.add(self.start[op_j] >= self.end[op_i] + setup).only_enforce_if(follows)
        model.add_circuit(arcs)

    def _add_precedences(self) -> None:
        for arc in self.data.problem.precedences:
            before, after = self.end[arc.before], self.start[arc.after]
            self.model.add(after >= before + arc.min_lag)
            if arc.max_lag is not None:
                self.model.add(after <= before + arc.max_lag)

    def _add_redundant_cumulatives(self) -> None:
        groups = self.data.machine_groups()
        if not groups:
            return
        model = self.model
        master = {}
        for op_id in sorted({o for _, members in groups for o in members}):
            size = model.new_int_var(
                self.data.min_duration[op_id], self.horizon, f"duration[{op_id}]"
            )
            master[op_id] = model.new_interval_var(
                self.start[op_id], size, self.end[op_id], f"occupies[{op_id}]"
            )
        for group, members in groups:
            model.add_cumulative([master[o] for o in members], [1] * len(members), len(group))

    def _add_objective(self) -> None:
        data, model = self.data, self.model
        weights = data.problem.weights
        sinks = [o for o in data.order if not data.successors[o]]
        job_sinks: dict[str, list[str]] = defaultdict(list)
        for op_id in sinks:
            model.add(self.makespan >= self.end[op_id])
            job_sinks[data.operations[op_id].job_id].append(op_id)
        terms: list[cp_model.LinearExprT] = [weights.makespan * self.makespan]
        for job_id, op_ids in sorted(job_sinks.items()):
            job = data.jobs[job_id]
            completion = model.new_int_var(0, self.horizon, f"completion[{job_id}]")
            self.completion[job_id] = completion
            for op_id in op_ids:
                model.add(completion >= self.end[op_id])
            if weights.flow_time:
                terms.append(weights.flow_time * (completion - job.release))
            if weights.tardiness and job.due is not None:
                late = model.new_int_var(0, self.horizon, f"tardiness[{job_id}]")
                model.add(late >= completion - job.due)
                terms.append(weights.tardiness * job.weight * late)
        if weights.stability:
            terms.extend(weights.stability * moved for moved in self._moved_literals())
        model.minimize(sum(terms))

    def _moved_literals(self) -> list[cp_model.LinearExprT]:
        moved = []
        for prev in self.data.problem.previous_plan:
            op_id = prev.operation_id
            if op_id in self.data.frozen or op_id not in self.start:
                continue
            key = (op_id, prev.resource_id)
            if key not in self.present:
                moved.append(1)
                continue
            stays = self.model.new_bool_var(f"stays[{op_id}]")
            self.model.add_implication(stays, self.present[key])
            self.model.add(self.start[op_id] == prev.start).only_enforce_if(stays)
            moved.append(1 - stays)
        return moved

    def _add_hint(self, plan: list[Assignment]) -> None:
        model = self.model
        for a in plan:
            if a.operation_id in self.data.frozen:
                continue
            model.add_hint(self.start[a.operation_id], a.start)
            model.add_hint(self.end[a.operation_id], a.end)
            modes = self.data.modes[a.operation_id]
            for resource_id, _ in modes:
                key = (a.operation_id, resource_id)
                if key in self.size and resource_id == a.resource_id:
                    model.add_hint(self.size[key], a.end - a.start)
                if len(modes) > 1:  # single modes use the shared constant 1, hinted once only
                    model.add_hint(self.present[key], resource_id == a.resource_id)
        model.add_hint(self.makespan, max(a.end for a in plan))

    def complete(self, plan: Sequence[Assignment], time_limit_s: float) -> list[int] | None:
        """A full solution vector for `plan` (every auxiliary variable set: setup arcs,
        working clocks, tardiness), or None when the plan does not fit the model."""
        model = self.model.clone()
        for a in plan:
            if (
                a.operation_id in self.data.frozen
                or (a.operation_id, a.resource_id) not in self.present
            ):
                continue
            var = model.get_int_var_from_proto_index
            model.add(var(self.start[a.operation_id].index) == a.start)
            model.add(var(self.end[a.operation_id].index) == a.end)
            model.add(var(self.present[a.operation_id, a.resource_id].index) == 1)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit_s
        if solve_guarded(solver, model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return list(solver.response_proto.solution)

    def set_hint(self, values: Sequence[int]) -> None:
        """Replace the hint with a complete solution vector."""
        self.model.clear_hints()
        for index, value in enumerate(values):
            self.model.add_hint(self.model.get_int_var_from_proto_index(index), value)

    def extract(self, values: Sequence[int]) -> list[Assignment]:
        """The plan in a full solution vector (one value per model variable, by index)."""
        plan = []
        for (op_id, resource_id), presence in self.present.items():
            if values[presence.index]:
                plan.append(
                    Assignment(
                        op_id,
                        resource_id,
                        values[self.start[op_id].index],
                        values[self.end[op_id].index],
                    )
                )
        return sorted(plan, key=lambda a: (a.start, a.operation_id))


def _satisfies_triangle_inequality(
    setups: Mapping[tuple[str | None, str | None], int], families: set[str | None]
) -> bool:
    """setup(a, c) <= setup(a, b) + setup(b, c) for all families on the resource."""
    return all(
        setups.get((a, c), 0) <= setups.get((a, b), 0) + setups.get((b, c), 0)
        for a in families
        for b in families
        for c in families
    )
