"""A daemon thread that runs one function every few seconds until stopped: the embedded
worker for periodic jobs such as the outbox dispatcher."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, name: str, interval_s: float, job: Callable[[], object]) -> None:
        self.interval_s = interval_s
        self.job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.job()
            except Exception:  # a bad pass (database away) must not end the loop
                log.exception("%s failed; trying again in %s s", self._thread.name, self.interval_s)
