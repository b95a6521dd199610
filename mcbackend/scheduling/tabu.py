"""Tabu search on the critical path for makespan-only flexible job shops.

The plan is held as a machine assignment and a sequence per machine; start times follow as
heads (longest paths) in the disjunctive graph of job arcs and machine sequences. A move takes
an operation on a critical path out of its sequence and inserts it into a sequence of one of
its eligible machines, the same one included. Moves are rated without rebuilding the graph,
by the longest path through the moved operation at its new place, from the heads and tails of
the current plan (Mastrolilli and Gambardella's estimate), and only the insertion points that
keep the graph acyclic are considered: after every operation that must come before the moved
one and before every one that must come after it. The best move that is not tabu is made even
when it makes the plan longer, which is how the search walks off a plateau; reversing it is
tabu for a while.

Only problems without calendars, setups, maximum lags, frozen work or shared-capacity
resources qualify (`applicable`); everything else goes to the CP-SAT steps alone.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_left, bisect_right

from mcbackend.scheduling.model import ProblemData
from mcbackend.scheduling.problem import Assignment

# A reversed move stays tabu for n // 24 to n // 8 moves (n operations), drawn at random.
_TENURE = (24, 8)


def applicable(data: ProblemData) -> bool:
    """Whether the plain disjunctive graph describes `data` exactly."""
    problem = data.problem
    weights = problem.weights
    return (
        weights.makespan > 0
        and (weights.tardiness, weights.flow_time, weights.stability) == (0, 0, 0)
        and not data.frozen
        and all(r.capacity == 1 and not any(r.setup_times.values()) for r in problem.resources)
        and all(w is None for w in data.windows.values())
        and all(arc.max_lag is None for arc in problem.precedences)
        and not any(op.splittable for op in problem.operations)
    )


class TabuSearch:
    """One search trajectory; `run` improves the plan it was given until a deadline."""

    def __init__(self, data: ProblemData, plan: list[Assignment], rng: random.Random) -> None:
        self.rng = rng
        self.ids = list(data.order)
        index = {op_id: i for i, op_id in enumerate(self.ids)}
        n = len(self.ids)
        self.machines = sorted(data.resources)
        machine_index = {m: k for k, m in enumerate(self.machines)}
        self.modes = [
            [(machine_index[r], d) for r, d in data.modes[op_id]] for op_id in self.ids
        ]
        self.release = [data.release(data.operations[op_id]) for op_id in self.ids]
        self.job_pred = [
            [(index[p], lag) for p, lag in data.predecessors[op_id]] for op_id in self.ids
        ]
        self.job_succ = [
            [(index[s], lag) for s, lag in data.successors[op_id]] for op_id in self.ids
        ]
        self.machine = [0] * n
        self.duration = [0] * n
        self.sequences: list[list[int]] = [[] for _ in self.machines]
        for a in sorted(plan, key=lambda a: (a.start, a.end, a.operation_id)):
            o = index[a.operation_id]
            k = machine_index[a.resource_id]
            self.machine[o] = k
            self.duration[o] = next(d for m, d in self.modes[o] if m == k)
            self.sequences[k].append(o)
        self.head = [0] * n
        self.tail = [0] * n
        # The same from job arcs and releases alone: where an operation could go without its
        # machine neighbours, which is what `_moves` rates a new place from.
        self.job_head = [0] * n
        self.job_tail = [0] * n
        self.position = [0] * n
        self.makespan = 0
        if not self._evaluate():
            raise ValueError("the plan's machine sequences contradict its precedences")
        self.best, self.best_plan = self.makespan, self.plan()
        self.tabu: dict[tuple[int, int, int], int] = {}
        self.iteration = self.improved_at = 0

    # -- the graph ---------------------------------------------------------------------------

    def _evaluate(self) -> bool:
        """Heads, tails and makespan of the current sequences; False when they form a cycle.
        Also, per machine, the ends and the negated tails from the start of its operations:
        both are sorted along the sequence, which lets `_moves` bisect them."""
        n = len(self.ids)
        machine_pred = [-1] * n
        machine_succ = [-1] * n
        position = self.position
        for sequence in self.sequences:
            previous = -1
            for i, o in enumerate(sequence):
                position[o] = i
                if previous >= 0:
                    machine_succ[previous] = o
                    machine_pred[o] = previous
                previous = o
        job_pred, job_succ = self.job_pred, self.job_succ
        indegree = [len(job_pred[o]) + (machine_pred[o] >= 0) for o in range(n)]
        order = [o for o in range(n) if indegree[o] == 0]
        head, duration, release = self.head, self.duration, self.release
        job_head, job_tail = self.job_head, self.job_tail
        for o in order:
            start = release[o]
            for p, lag in job_pred[o]:
                ready = head[p] + duration[p] + lag
                if ready > start:
                    start = ready
            job_head[o] = start
            p = machine_pred[o]
            if p >= 0:
                ready = head[p] + duration[p]
                if ready > start:
                    start = ready
            head[o] = start
            for s, _ in job_succ[o]:
                indegree[s] -= 1
                if not indegree[s]:
                    order.append(s)
            s = machine_succ[o]
            if s >= 0:
                indegree[s] -= 1
                if not indegree[s]:
                    order.append(s)
        if len(order) < n:
            return False
        tail = self.tail
        for o in reversed(order):
            after = 0
            for s, lag in job_succ[o]:
                rest = lag + duration[s] + tail[s]
                if rest > after:
                    after = rest
            job_tail[o] = after
            s = machine_succ[o]
            if s >= 0:
                rest = duration[s] + tail[s]
                if rest > after:
                    after = rest
            tail[o] = after
        self.makespan = max(head[o] + duration[o] for o in range(n))
        self.ends = [[head[o] + duration[o] for o in seq] for seq in self.sequences]
        self.neg_tails = [[-duration[o] - tail[o] for o in seq] for seq in self.sequences]
        return True

    def plan(self) -> list[Assignment]:
        return sorted(
            (
                Assignment(
                    self.ids[o],
                    self.machines[self.machine[o]],
                    self.head[o],
                    self.head[o] + self.duration[o],
                )
                for o in range(len(self.ids))
            ),
            key=lambda a: (a.start, a.operation_id),
        )

    # -- moves -------------------------------------------------------------------------------

    def _moves(self) -> list[tuple[int, float, int, int, int, int, int]]:
        """(estimate, tie, operation, machine, position, duration, operation before) for
        every insertion of a critical operation that keeps the graph acyclic (positions count
        in the machine's sequence without the operation), its current place excluded."""
        head, tail, duration = self.head, self.tail, self.duration
        makespan, random_ = self.makespan, self.rng.random
        moves = []
        for v in range(len(self.ids)):
            if head[v] + duration[v] + tail[v] != makespan:
                continue
            earliest, after = self.job_head[v], self.job_tail[v]
            own, j = self.machine[v], self.position[v]
            for k, p_v in self.modes[v]:
                sequence = self.sequences[k]
                # Must come before v: what ends by v's earliest start and has the longer tail;
                # must come after: what ends later and has the shorter tail. Ends rise along
                # the sequence and tails fall, so both sets are runs found by bisection.
                ends_late = bisect_right(self.ends[k], earliest)
                short_tail = bisect_left(self.neg_tails[k], -after)
                first, last = min(ends_late, short_tail), max(ends_late, short_tail)
                if k == own:  # count positions as if v were not in the sequence
                    first -= first > j
                    last -= last > j
                    size = len(sequence) - 1
                else:
                    size = len(sequence)
                for i in range(first, last + 1):
                    if k == own:
                        if i == j:
                            continue  # where it already is
                        a = sequence[i - 1 if i <= j else i] if i > 0 else -1
                        b = sequence[i if i < j else i + 1] if i < size else -1
                    else:
                        a = sequence[i - 1] if i > 0 else -1
                        b = sequence[i] if i < size else -1
                    start = earliest
                    if a >= 0 and head[a] + duration[a] > start:
                        start = head[a] + duration[a]
                    rest = after
                    if b >= 0 and duration[b] + tail[b] > rest:
                        rest = duration[b] + tail[b]
                    moves.append((start + p_v + rest, random_(), v, k, i, p_v, a))
        return moves

    def _apply(self, v: int, k: int, position: int, p_v: int) -> tuple[int, int, int]:
        """Move `v` to `position` of machine `k`'s sequence (without v); the undo record.
        Needs the positions of the last `_evaluate`."""
        old_k, old_position = self.machine[v], self.position[v]
        old_duration = self.duration[v]
        del self.sequences[old_k][old_position]
        self.sequences[k].insert(position, v)
        self.machine[v], self.duration[v] = k, p_v
        return old_k, old_position, old_duration

    def _undo(self, v: int, undo: tuple[int, int, int]) -> None:
        old_k, old_position, old_duration = undo
        self.sequences[self.machine[v]].remove(v)
        self.sequences[old_k].insert(old_position, v)
        self.machine[v], self.duration[v] = old_k, old_duration

    # -- the search --------------------------------------------------------------------------

    def run(self, deadline: float, max_iterations: int | None = None) -> bool:
        """Search until the deadline (monotonic seconds) or for `max_iterations` more moves;
        the tabu list and the best plan carry over to the next call. False when no move is
        possible at all (every critical operation has exactly one place)."""
        n = len(self.ids)
        stop = None if max_iterations is None else self.iteration + max_iterations
        while time.monotonic() < deadline and (stop is None or self.iteration < stop):
            self.iteration += 1
            if not self._step(n):
                if not self.tabu:
                    return False
                self.tabu.clear()  # every move was tabu: forget them rather than stop
                continue
            if self.makespan < self.best:
                self.best, self.best_plan = self.makespan, self.plan()
                self.improved_at = self.iteration
        return True

    def _step(self, n: int) -> bool:
        for estimate, _, v, k, position, p_v, before in sorted(self._moves()):
            if self.tabu.get((v, k, before), 0) > self.iteration and estimate >= self.best:
                continue  # tabu, unless it promises a new best plan
            old_k, i = self.machine[v], self.position[v]
            left = self.sequences[old_k][i - 1] if i > 0 else -1
            undo = self._apply(v, k, position, p_v)
            if not self._evaluate():
                self._undo(v, undo)
                self._evaluate()
                continue
            self.tabu[(v, old_k, left)] = self.iteration + self.rng.randint(
                max(2, n // _TENURE[0]), max(4, n // _TENURE[1])
            )
            return True
        return False
