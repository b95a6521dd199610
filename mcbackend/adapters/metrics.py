"""Solver metrics, observed where runs execute (``execute_run``), so the domain and the
solver module stay free of Prometheus.

Solves happen in a process, not in an app: these series are process-wide and registered
nowhere by default; each app's registry exposes them (:func:`register_solve_metrics`), so
tests that create many apps never register a name twice. A Celery worker's solves are
counted in the worker's process, not in the web process that serves ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

SOLVE_SECONDS = Histogram(
    "mcbackend_solve_duration_seconds",
    "Wall time of schedule-run solves",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
    registry=None,
)
SOLVER_STATUS = Counter(
    "mcbackend_solver_status",
    "Finished schedule-run solves by solver status",
    ["status"],
    registry=None,
)


def observe_solve(status: str, wall_s: float) -> None:
    SOLVE_SECONDS.observe(wall_s)
    SOLVER_STATUS.labels(status=status).inc()


def register_solve_metrics(registry: CollectorRegistry) -> None:
    registry.register(SOLVE_SECONDS)
    registry.register(SOLVER_STATUS)
