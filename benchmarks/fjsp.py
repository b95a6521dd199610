"""Flexible job shop benchmark: mcbackend's solver against best known makespans and PyJobShop.

Run from the repository root:

    .venv/bin/python benchmarks/fjsp.py [--quick] [--time-limit 30] [--workers 2]

Each instance is solved by `solve_fjsp_file` (which checks its plan independently) and then by
the peer library PyJobShop (CP-SAT backend, `pip install -e '.[benchmark]'`) with the same time
limit and worker count, one after the other so that neither steals the other's cores. The last
line is one JSON object with the mean gaps and the instances where the peer did better.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from mcbackend.scheduling.fjsp import solve_fjsp_file

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "fjsp"
BRANDIMARTE = [f"brandimarte/Mk{n:02d}.fjs" for n in range(1, 11)]
KACEM = [f"kacem/Kacem{n}.fjs" for n in range(1, 5)]
FATTAHI = [f"fattahi/{kind}FJS{n}.fjs" for kind in ("S", "M") for n in range(1, 11)]


def solve_with_peer(path: Path, time_limit_s: float, workers: int) -> tuple[int | None, int]:
    """PyJobShop's makespan (None when it found no plan) and lower bound."""
    import pyjobshop

    result = pyjobshop.solve(pyjobshop.read(path), "ortools", time_limit=time_limit_s,
                             display=False, num_workers=workers)
    if result.status.value not in ("Optimal", "Feasible", "Time-limit") or not result.best:
        return None, int(result.lower_bound)
    return round(result.objective), round(result.lower_bound)


def gap_pct(makespan: int | None, best_known: int) -> float | None:
    if makespan is None:
        return None
    return 100.0 * (makespan - best_known) / best_known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Brandimarte Mk01-Mk10 only")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    best_known = json.loads((DATA / "best_known.json").read_text())
    instances = BRANDIMARTE if args.quick else BRANDIMARTE + KACEM + FATTAHI
    header = (f"{'instance':<22}{'best':>6}{'ours':>6}{'bound':>6}{'gap%':>7}{'status':>10}"
              f"{'wall_s':>7}{'peer':>6}{'p.bnd':>6}{'p.gap%':>7}")
    print(header, flush=True)
    gaps: list[float] = []
    peer_gaps: list[float] = []
    worse: list[str] = []
    for name in instances:
        known = best_known[name]["best_known"]
        ours = solve_fjsp_file(DATA / name, args.time_limit, args.workers)
        peer_makespan, peer_bound = solve_with_peer(DATA / name, args.time_limit, args.workers)
        gap, peer_gap = gap_pct(ours["makespan"], known), gap_pct(peer_makespan, known)
        # A missing or unchecked plan counts as infinitely bad.
        ours_ok = ours["status"] in ("optimal", "feasible") and gap is not None
        gaps.append(gap if ours_ok else float("inf"))
        peer_gaps.append(peer_gap if peer_gap is not None else float("inf"))
        if gaps[-1] > peer_gaps[-1]:
            worse.append(ours["instance"])
        print(f"{name:<22}{known:>6}{ours['makespan'] or '-':>6}{ours['lower_bound']:>6}"
              f"{gaps[-1]:>7.2f}{ours['status']:>10}{ours['wall_s']:>7.1f}"
              f"{peer_makespan or '-':>6}{peer_bound:>6}{peer_gaps[-1]:>7.2f}", flush=True)
    print(json.dumps({
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "mean_gap_pct": round(statistics.mean(gaps), 2),
        "peer_mean_gap_pct": round(statistics.mean(peer_gaps), 2),
        "worse_than_peer": worse,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
