"""gunicorn in production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Environment: ``PORT`` (8000), ``WEB_CONCURRENCY`` (processes; default one per core plus one:
while one process waits on the database, another has its core), ``GUNICORN_THREADS`` (2 per
process: a second thread covers the process's own database waits; more threads only queue
for the GIL and cost CPU switching between them, see benchmarks/load.py),
``GUNICORN_TIMEOUT`` (60 s), ``FORWARDED_ALLOW_IPS`` (the proxies whose X-Forwarded-* headers
are trusted; 127.0.0.1). The app logs each request as one JSON line (mcbackend.logs), so
gunicorn's access log is off and its own messages go through the same structured logging.

Metrics: the workers share ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary directory unless
set; removed when gunicorn exits), so ``/metrics`` answered by any worker sums all of them.
It is emptied when gunicorn starts, and a worker that exits is marked dead there.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

from mcbackend.logs import configure_logging

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Measured with benchmarks/load.py on 2 cores (order creation, quick runs): 2 processes x 8
# threads 178-204 orders/s, 3 x 3 232-296/s, 3 x 2 248-311/s, 4 x 2 226-257/s.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gthread"  # threads serve requests while another waits on the database
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a worker silent this long is replaced
graceful_timeout = 30
keepalive = 5  # longer than nothing, shorter than a load balancer's idle timeout
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections
# over them by address hash. On one shared socket the worker that wakes first accepts a burst
# of connections alone, and with keep-alive they stay there: measured with 16 client
# connections, one worker served all of them on one core while the other sat idle.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").lower() != "false"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None

# Set before any worker imports prometheus_client: it picks its storage at import time.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mcbackend-metrics-")


def on_starting(server) -> None:
    """Samples of an earlier run would be summed with this one's."""
    shared = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shared.mkdir(parents=True, exist_ok=True)
    for stale in shared.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


class StructuredLogger(Logger):
    """gunicorn's error log without its own handler: its lines reach the root logger, which
    renders them as the app does (``MC_LOG_FORMAT``, ``MC_LOG_LEVEL``)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        configure_logging(
            os.environ.get("MC_LOG_LEVEL", "INFO"), os.environ.get("MC_LOG_FORMAT", "json")
        )
        self.error_log.handlers.clear()
        self.error_log.propagate = True


logger_class = StructuredLogger
