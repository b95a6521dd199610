"""Background work for the embedded default: a small thread pool inside the service.

The task functions take plain values (a session factory, ids), so the same code can run on a
real queue later. ``eager`` runs a task at once in the caller's thread, for tests and tools.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class InProcessTasks:
    def __init__(self, *, workers: int = 1, eager: bool = False) -> None:
        self.eager = eager
        self._executor = (
            None
            if eager
            else ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcbackend-task")
        )

    def submit(self, task: Callable[..., Any], *args: Any, **kwargs: Any) -> Future | None:
        if self._executor is None:
            _run(task, *args, **kwargs)
            return None
        return self._executor.submit(_run, task, *args, **kwargs)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def _run(task: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        task(*args, **kwargs)
    except Exception:  # the task records its own failure; this keeps the worker alive
        log.exception("background task %s failed", getattr(task, "__name__", task))
