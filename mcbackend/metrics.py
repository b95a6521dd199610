"""Prometheus metrics at ``GET /metrics`` (text exposition format; not part of the API spec).

Each app has its own registry: request latency by route template and status class, the
solver's series (:mod:`mcbackend.adapters.metrics`) and queue depths counted at scrape time
across all tenants. ``MC_METRICS_TOKEN`` set: a scrape needs ``Authorization: Bearer <token>``.

Several processes (gunicorn workers): with ``PROMETHEUS_MULTIPROC_DIR`` set before the process
starts, every process writes its samples to files there and a scrape, whichever process
answers it, sums them (prometheus_client's multiprocess mode; gunicorn.conf.py sets it up).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

import structlog
from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from mcbackend.adapters import orm
from mcbackend.adapters.metrics import register_solve_metrics
from mcbackend.api.problems import problem_response
from mcbackend.logs import request_elapsed_s

log = structlog.get_logger(__name__)


class QueueDepths(Collector):
    """Queued and running schedule runs, pending webhook deliveries: one query each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        runs = GaugeMetricFamily(
            "mcbackend_schedule_runs", "Schedule runs waiting or solving", labels=["status"]
        )
        deliveries = GaugeMetricFamily(
            "mcbackend_webhook_deliveries_pending", "Webhook deliveries not yet delivered"
        )
        try:
            with self.engine.connect() as conn:
                by_status = dict(
                    conn.execute(
                        select(orm.ScheduleRun.status, func.count())
                        .where(orm.ScheduleRun.status.in_(("queued", "running")))
                        .group_by(orm.ScheduleRun.status)
                    ).all()
                )
                pending = conn.execute(
                    select(func.count()).where(orm.WebhookDelivery.status == "pending")
                ).scalar_one()
        except SQLAlchemyError:  # the scrape still serves the other series; /readyz says why
            log.warning("queue depths unavailable", exc_info=True)
            return
        for status in ("queued", "running"):
            runs.add_metric([status], by_status.get(status, 0))
        deliveries.add_metric([], pending)
        yield runs
        yield deliveries


def init_metrics(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry()
    shared_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    latency = Histogram(
        "mcbackend_http_request_duration_seconds",
        "Request latency by route template and status class",
        ["method", "endpoint", "status_class"],
        # Multiprocess: the series live in the shared files, read by the collector.
        registry=None if shared_dir else registry,
    )
    if shared_dir:
        MultiProcessCollector(registry, path=shared_dir)
    else:
        register_solve_metrics(registry)
    registry.register(QueueDepths(app.extensions["mcbackend.db"].engine))

    @app.after_request
    def _observe_request(response: Response) -> Response:
        elapsed = request_elapsed_s()
        if elapsed is not None:
            latency.labels(
                request.method,
                request.url_rule.rule if request.url_rule else "<unmatched>",
                f"{response.status_code // 100}xx",
            ).observe(elapsed)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus scrape."""
        token = str(app.config["METRICS_TOKEN"] or "")
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if token and not (
            scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode())
        ):
            return problem_response(
                401,
                "invalid_metrics_token",
                "Unauthorized",
                "send the metrics token as 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    app.extensions["mcbackend.metrics"] = registry
    return registry
