"""Running jobs: a worker leases jobs, runs each in its own transaction, retries failures.

Three ways to run them (``PARLEY_JOBS``): ``thread``, a worker thread inside the app
process, woken after each commit that wrote jobs (the single-process default); ``off``,
separate ``parley worker`` processes poll the table; ``inline``, the jobs a transaction
wrote run right after it commits, in the same thread (tests, scripts).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from parley.jobs.queue import Leased, complete, fail, lease

if TYPE_CHECKING:
    from parley.services import Services

log = logging.getLogger("parley.jobs")


@dataclass
class JobContext:
    session: Session
    services: Services


Handler = Callable[[JobContext, dict[str, Any]], None]


def _handlers() -> dict[str, Handler]:
    from parley.jobs.handlers import HANDLERS

    return HANDLERS


class Worker:
    """Leases and runs jobs; ``run_forever`` in threads or processes, ``drain`` inline."""

    def __init__(self, services: Services, name: str | None = None, *, batch: int = 10) -> None:
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.batch = batch
        self._wake = threading.Event()
        self._stop = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run_batch(self, only: list[int] | None = None) -> int:
        """Lease and run one batch; returns how many jobs it ran."""
        settings = self.services.settings
        with self.services.db.unit() as uow:
            jobs = lease(uow.session, self.name, limit=self.batch, lease_seconds=settings.job_lease_seconds, only=only)
        for job in jobs:
            self.run_one(job)
        return len(jobs)

    def run_one(self, job: Leased) -> bool:
        handler = _handlers().get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with self.services.db.unit() as uow:
                handler(JobContext(uow.session, self.services), job.payload)
                complete(uow.session, job.id)
            return True
        except Exception as exc:  # a job's failure must never stop the worker
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.warning("job %s (%s) failed on attempt %s: %s", job.id, job.kind, job.attempts, error)
            with self.services.db.unit() as uow:
                if fail(uow.session, job, error, max_attempts=self.services.settings.job_max_attempts):
                    log.error("job %s (%s) parked after %s attempts", job.id, job.kind, job.attempts)
            return False

    def drain(self, only: list[int] | None = None) -> int:
        """Run jobs until none is runnable (or none of ``only``); returns how many ran."""
        total = 0
        while True:
            n = self.run_batch(only)
            total += n
            if n == 0:
                return total

    def run_forever(self, *, poll_seconds: float = 1.0) -> None:
        """Work until ``stop``; sleep until woken or ``poll_seconds`` when idle."""
        while not self._stop.is_set():
            try:
                ran = self.run_batch()
            except Exception:  # the database went away for a moment: wait and go on
                log.exception("leasing jobs failed")
                ran = 0
            if ran == 0:
                self._wake.wait(poll_seconds)
                self._wake.clear()


class InProcessWorkers:
    """The worker threads inside an app process (``PARLEY_JOBS=thread``)."""

    def __init__(self, services: Services, count: int = 1) -> None:
        self.workers = [Worker(services, batch=20) for _ in range(count)]
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for worker in self.workers:
            t = threading.Thread(target=worker.run_forever, name="parley-jobs", daemon=True)
            t.start()
            self.threads.append(t)

    def wake(self, _ids: list[int]) -> None:
        for worker in self.workers:
            worker.wake()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for t in self.threads:
            t.join(timeout=10)
