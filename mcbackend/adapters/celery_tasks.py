"""Background work on Celery, chosen when ``MC_BROKER_URL`` is set.

The tasks call the same service functions as the embedded worker with the same plain
values; only the session factory and the file storage stay behind: a worker process opens
its own database from ``MC_DATABASE_URL`` and its own ``MC_FILES_DIR``. Solves go to the
``solver`` queue, job-sheet batches and outbox passes to ``default``.

A task is acknowledged after it finishes and given back to the broker when its worker
process dies, so a killed solve is delivered again; ``execute_run`` then takes the run over
once its claim counts as lost, or waits (a retry) while another worker is still on it;
``render_job_sheet_batch`` does the same with a batch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters.database import Database
from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.storage import LocalFileStorage
from mcbackend.services import job_sheet_batches, scheduling
from mcbackend.services.delivery import DispatchSettings
from mcbackend.services.outbox_dispatch import dispatch

log = logging.getLogger(__name__)

EXECUTE_RUN = "mcbackend.execute_run"
DISPATCH_OUTBOX = "mcbackend.dispatch_outbox"
RENDER_BATCH = "mcbackend.render_job_sheet_batch"
SOLVER_QUEUE = "solver"
DEFAULT_QUEUE = "default"

# The longest solve plus room to build the problem and store the plan; the hard limit
# kills a worker stuck past the soft one.
SOLVE_SOFT_LIMIT_S = scheduling.MAX_TIME_LIMIT_S + 120
SOLVE_HARD_LIMIT_S = SOLVE_SOFT_LIMIT_S + 60
RENDER_SOFT_LIMIT_S = job_sheet_batches.RENDER_TIME_LIMIT.total_seconds()
RENDER_HARD_LIMIT_S = RENDER_SOFT_LIMIT_S + 60
DISPATCH_SOFT_LIMIT_S = 300
DISPATCH_HARD_LIMIT_S = DISPATCH_SOFT_LIMIT_S + 60


def lost_after(config: Mapping[str, Any]) -> timedelta:
    return timedelta(seconds=float(config["SOLVER_LOST_AFTER_S"]))


def make_celery(config: Mapping[str, Any]) -> Celery:
    """The Celery app: broker and settings from ``config``, the tasks registered on it."""
    celery = Celery("mcbackend", broker=config["BROKER_URL"], backend=config["RESULT_BACKEND"])
    visibility = config["BROKER_VISIBILITY_TIMEOUT_S"] or (
        SOLVE_HARD_LIMIT_S + lost_after(config).total_seconds()
    )
    celery.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=config["RESULT_BACKEND"] is None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=DEFAULT_QUEUE,
        task_routes={EXECUTE_RUN: {"queue": SOLVER_QUEUE}},
        # Redis hands a dead worker's unacknowledged task out again after ``visibility``
        # seconds (longer than any solve); workers look for such tasks every few seconds.
        broker_transport_options={
            "visibility_timeout": float(visibility),
            "unacked_restore_interval": max(1.0, min(10.0, float(visibility) / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_scheduler="celery.beat:Scheduler",  # in memory: nothing to keep between starts
    )
    interval = float(config["WEBHOOKS_POLL_S"])
    if interval > 0:
        celery.conf.beat_schedule = {
            "dispatch-outbox": {
                "task": DISPATCH_OUTBOX,
                "schedule": interval,
                "options": {"expires": interval},  # a missed pass is not worth catching up
            }
        }
    _register_tasks(celery, config)
    return celery


class _WorkerDatabase:
    """One database per worker process, opened on first use (after the pool forks)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pid: int | None = None
        self._database: Database | None = None

    def session_factory(self) -> sessionmaker[Session]:
        if self._database is None or self._pid != os.getpid():
            self._database = Database(self.url)
            self._pid = os.getpid()
        return self._database.session_factory


def _register_tasks(celery: Celery, config: Mapping[str, Any]) -> None:
    database = _WorkerDatabase(config["DATABASE_URL"])
    storage = LocalFileStorage(config["FILES_DIR"])
    settings = DispatchSettings.from_config(config)
    wait_for_lost = lost_after(config)

    @celery.task(
        name=EXECUTE_RUN,
        shared=False,  # each app (one per create_app) has its own tasks
        bind=True,
        soft_time_limit=SOLVE_SOFT_LIMIT_S,
        time_limit=SOLVE_HARD_LIMIT_S,
        autoretry_for=(OperationalError,),  # the database went away for a moment
        retry_backoff=True,
        max_retries=None,
    )
    def execute_run(self: Task, tenant_id: int, run_id: int) -> None:
        retry_at = scheduling.execute_run(
            database.session_factory(), tenant_id, run_id, lost_after=wait_for_lost
        )
        _retry_when_held(self, retry_at)

    @celery.task(
        name=RENDER_BATCH,
        shared=False,
        bind=True,
        soft_time_limit=RENDER_SOFT_LIMIT_S,
        time_limit=RENDER_HARD_LIMIT_S,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        max_retries=None,
    )
    def render_job_sheet_batch(self: Task, tenant_id: int, batch_id: int) -> None:
        retry_at = job_sheet_batches.render_batch(
            database.session_factory(),
            tenant_id,
            batch_id,
            storage=storage,
            base_url=config["PUBLIC_BASE_URL"],
            lost_after=wait_for_lost,
        )
        _retry_when_held(self, retry_at)

    @celery.task(
        name=DISPATCH_OUTBOX,
        shared=False,
        soft_time_limit=DISPATCH_SOFT_LIMIT_S,
        time_limit=DISPATCH_HARD_LIMIT_S,
    )
    def dispatch_outbox() -> dict[str, int]:
        return vars(dispatch(database.session_factory(), settings))


def _retry_when_held(task: Task, retry_at: datetime | None) -> None:
    """Another worker holds the row; look again once its claim would count as lost."""
    if retry_at is not None:
        countdown = max((retry_at - utcnow()).total_seconds(), 0) + 1
        raise task.retry(countdown=countdown)


# The service functions the API submits, and the Celery task that runs each one (the outbox
# pass is not submitted: Celery beat schedules it).
_TASK_NAMES: dict[Callable[..., Any], str] = {
    scheduling.execute_run: EXECUTE_RUN,
    job_sheet_batches.render_batch: RENDER_BATCH,
}


class CeleryTasks:
    """``submit`` like :class:`~mcbackend.adapters.tasks.InProcessTasks`, onto the broker.

    Task functions take a session factory first, plain values after it and this process's
    resources (file storage, settings) as keywords; only the plain values travel, and the
    worker supplies its own session factory and resources.
    """

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def submit(
        self,
        task: Callable[..., Any],
        session_factory: sessionmaker[Session],
        *args: Any,
        **resources: Any,
    ) -> None:
        name = _TASK_NAMES.get(task)
        if name is None:
            raise ValueError(f"{getattr(task, '__name__', task)} has no Celery task")
        self.celery.send_task(name, args=list(args))

    def shutdown(self) -> None:
        self.celery.close()
