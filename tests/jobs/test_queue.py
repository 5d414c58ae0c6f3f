"""The durable job queue: outbox semantics, retries with backoff, parking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from parley.jobs import handlers, queue
from parley.jobs.worker import JobContext, Worker
from parley.services import Services
from parley.store.tables import Job, Notification, utcnow
from tests.factories import make_user


def test_jobs_are_written_only_if_the_transaction_commits(services: Services) -> None:
    with pytest.raises(RuntimeError), services.db.unit() as uow:
        queue.enqueue(uow.session, "reindex", {"post_id": 1})
        raise RuntimeError("the request failed")
    with services.db.unit(write=False) as uow:
        assert queue.pending(uow.session) == 0


def test_failing_job_backs_off_then_parks(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def explode(ctx: JobContext, payload: dict[str, Any]) -> None:
        calls.append(payload)
        raise ValueError("downstream is down")

    monkeypatch.setitem(handlers.HANDLERS, "explode", explode)
    services.db.on_jobs = None  # keep it queued; this test drives the worker by hand
    with services.db.unit() as uow:
        job_id = queue.enqueue(uow.session, "explode", {"n": 1})
    worker = Worker(services, name="test")
    for attempt in range(1, services.settings.job_max_attempts + 1):
        assert worker.run_batch() == 1
        with services.db.unit(write=False) as uow:
            job = uow.session.get(Job, job_id)
            assert job is not None and job.attempts == attempt and "downstream is down" in (job.last_error or "")
            state, delay = job.state, job.run_at - utcnow()
        if attempt < services.settings.job_max_attempts:
            assert state == "queued" and delay > timedelta(seconds=1)
            assert worker.run_batch() == 0  # not runnable before its backoff ends
            with services.db.unit() as uow:
                uow.session.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))
    with services.db.unit(write=False) as uow:
        parked = queue.parked(uow.session)
        assert [j.id for j in parked] == [job_id]
    assert worker.run_batch() == 0
    assert len(calls) == services.settings.job_max_attempts
    with services.db.unit() as uow:
        assert queue.retry_parked(uow.session) == 1
    assert worker.run_batch() == 1


def test_an_expired_lease_is_taken_again(services: Services, client: Any) -> None:
    services.db.on_jobs = None
    alice, bob = make_user(services, client, "alice"), make_user(services, client, "bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    with services.db.unit(write=False) as uow:
        assert queue.pending(uow.session) >= 1  # the follow notification, not delivered
    dead = Worker(services, name="dead")
    with services.db.unit() as uow:
        leased = queue.lease(uow.session, "dead", limit=10, lease_seconds=60)
    assert leased and dead.name == "dead"
    alive = Worker(services, name="alive")
    assert alive.run_batch() == 0  # leased by a worker that may still be running
    with services.db.unit() as uow:
        uow.session.execute(update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert alive.drain() == len(leased)
    with services.db.unit(write=False) as uow:
        assert queue.pending(uow.session) == 0
        assert uow.session.scalars(select(Notification.type)).all() == ["follow"]


def test_admins_see_parked_jobs_and_retry_them(services: Services, client: Any) -> None:
    admin = make_user(services, client, "admin", role="admin", scopes="read write admin:read admin:write")
    moderator = make_user(services, client, "mod", role="moderator", scopes="read write admin:read admin:write")
    with services.db.unit() as uow:
        job_id = queue.enqueue(uow.session, "explode", {"n": 2})
        uow.session.flush()
        uow.session.execute(
            update(Job).where(Job.id == job_id).values(state="parked", attempts=8, last_error="ValueError: downstream is down")
        )
    assert moderator.get("/api/parley/v1/admin/jobs").status_code == 403
    listed = admin.get("/api/parley/v1/admin/jobs").json()
    parked = next(j for j in listed["parked"] if j["id"] == str(job_id))
    assert parked["kind"] == "explode" and parked["attempts"] == 8
    assert parked["last_error"] == "ValueError: downstream is down" and parked["payload"] == {"n": 2}
    assert admin.post("/api/parley/v1/admin/jobs/1/retry").status_code == 404
    services.db.on_jobs = None  # leave it queued: there is no handler for it
    r = admin.post(f"/api/parley/v1/admin/jobs/{job_id}/retry")
    assert r.status_code == 200 and r.json()["state"] == "queued" and r.json()["attempts"] == 0
    assert str(job_id) not in [j["id"] for j in admin.get("/api/parley/v1/admin/jobs").json()["parked"]]
