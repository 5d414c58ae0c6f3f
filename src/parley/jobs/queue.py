"""The job queue: enqueue inside a transaction, lease, complete, retry, park.

Why not a library: the queue must be written in the same transaction as the change that
causes the job (a transactional outbox) on SQLite and on PostgreSQL alike. Celery, RQ and
Dramatiq keep jobs in a broker outside that transaction; huey has SQLite and Redis but no
PostgreSQL; procrastinate is PostgreSQL only. The queue is one table and this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from parley import ids
from parley.store.db import ENQUEUED, rowcount
from parley.store.tables import Job, utcnow


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None, *, run_at: datetime | None = None) -> int:
    """Write a job into the caller's transaction; it runs only if that commits."""
    job_id = ids.new_id()
    session.add(Job(id=job_id, kind=kind, payload=json.dumps(payload or {}), run_at=run_at or utcnow()))
    session.info.setdefault(ENQUEUED, []).append(job_id)
    return job_id


@dataclass(frozen=True)
class Leased:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def lease(session: Session, worker: str, *, limit: int, lease_seconds: int, only: list[int] | None = None) -> list[Leased]:
    """Take up to ``limit`` runnable jobs for ``worker`` until the lease runs out.

    On PostgreSQL rows are locked with SKIP LOCKED so workers never wait on each other;
    on SQLite the caller's write transaction (BEGIN IMMEDIATE) serialises leasing.
    """
    now = utcnow()
    stmt = (
        select(Job.id)
        .where(
            Job.state == "queued",
            Job.run_at <= now,
            or_(Job.locked_until.is_(None), Job.locked_until < now),
        )
        .order_by(Job.id)
        .limit(limit)
    )
    if only is not None:
        stmt = stmt.where(Job.id.in_(only))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    chosen = list(session.scalars(stmt))
    if not chosen:
        return []
    session.execute(
        update(Job)
        .where(Job.id.in_(chosen))
        .values(locked_until=now + timedelta(seconds=lease_seconds), locked_by=worker, attempts=Job.attempts + 1)
    )
    rows = session.execute(select(Job.id, Job.kind, Job.payload, Job.attempts).where(Job.id.in_(chosen)).order_by(Job.id))
    return [Leased(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]


def complete(session: Session, job_id: int) -> None:
    """Delete a finished job, in the same transaction as the job's own writes."""
    session.execute(delete(Job).where(Job.id == job_id))


def backoff(attempts: int) -> timedelta:
    """Exponential retry delay: 2 s, 4 s, 8 s ... capped at an hour."""
    return timedelta(seconds=min(3600, 2**attempts))


def fail(session: Session, job: Leased, error: str, *, max_attempts: int) -> bool:
    """Record a failure; retry later or park the job. Returns True if parked."""
    parked = job.attempts >= max_attempts
    session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(
            state="parked" if parked else "queued",
            run_at=utcnow() + backoff(job.attempts),
            locked_until=None,
            locked_by=None,
            last_error=error[:4000],
        )
    )
    return parked


def parked(session: Session, *, limit: int = 100) -> list[Job]:
    """Jobs that kept failing, newest first, with their last error (for admins)."""
    return list(session.scalars(select(Job).where(Job.state == "parked").order_by(Job.id.desc()).limit(limit)))


def retry_parked(session: Session, job_id: int | None = None) -> int:
    stmt = update(Job).where(Job.state == "parked")
    if job_id is not None:
        stmt = stmt.where(Job.id == job_id)
    return rowcount(session.execute(stmt.values(state="queued", run_at=utcnow(), attempts=0, locked_until=None)))


def pending(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Job).where(Job.state == "queued")) or 0)
