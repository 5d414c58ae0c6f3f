"""Jobs run by real processes: the in-process worker thread of ``parley serve`` (the
default), and ``parley worker`` processes that are killed in the middle of their work."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from parley.accounts.service import create_account
from parley.demo import bulk_followers
from parley.jobs.queue import pending
from parley.posts.service import PostInput, create_post
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Account, Follow, Job, utcnow
from tests.e2e.conftest import (
    BACKENDS,
    REDIS_URL,
    ParleyServer,
    _base_env,
    _free_port,
    _postgres_database,
)

FOLLOWERS = 3000
POSTS = 60


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated database of this test's own (SQLite, or PostgreSQL + Redis)."""
    with ExitStack() as stack:
        env = _base_env(tmp_path)
        env.pop("PARLEY_JOBS", None)
        if request.param == "postgresql":
            env["PARLEY_DATABASE_URL"] = stack.enter_context(_postgres_database())
            if REDIS_URL:
                env["PARLEY_REDIS_URL"] = REDIS_URL
                env["PARLEY_REDIS_PREFIX"] = f"e2e-jobs-{secrets.token_hex(6)}"
        subprocess.run([sys.executable, "-m", "parley.cli", "migrate"], env=env, check=True, timeout=60, capture_output=True)
        yield env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "parley.cli", *args], env=env, check=True, timeout=60, capture_output=True, text=True
    )
    return done.stdout.strip()


def _eventually(check: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert callable(check)
        if check():
            return
        if time.monotonic() > deadline:
            pytest.fail("the side effect did not happen in time")
        time.sleep(0.05)


def test_serve_runs_side_effects_in_its_own_worker_thread(env: dict[str, str], tmp_path: Path) -> None:
    server = ParleyServer("thread", "", dict(env), tmp_path, tmp_path / "server.log")
    server.start()
    try:
        _cli(env, "user", "create", "alice", "--email", "alice@e2e.example", "--password", "long enough")
        _cli(env, "user", "create", "bob", "--email", "bob@e2e.example", "--password", "long enough")
        alice = {"Authorization": f"Bearer {_cli(env, 'token', 'create', 'alice')}"}
        bob = {"Authorization": f"Bearer {_cli(env, 'token', 'create', 'bob')}"}
        with httpx.Client(base_url=server.base_url, timeout=15) as http:
            alice_id = http.get("/api/v1/accounts/lookup", params={"acct": "alice"}).json()["id"]
            assert http.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob).status_code == 200
            assert http.get("/api/v1/timelines/home", headers=bob).json() == []
            post = http.post("/api/v1/statuses", headers=alice, json={"status": "@bob hello from a worker thread"}).json()

            def delivered() -> bool:
                home = http.get("/api/v1/timelines/home", headers=bob).json()
                notes = http.get("/api/v1/notifications", headers=bob).json()
                found = http.get("/api/v2/search", headers=bob, params={"q": "worker", "type": "statuses"}).json()
                return (
                    [s["id"] for s in home] == [post["id"]]
                    and [n["type"] for n in notes] == ["mention"]
                    and [s["id"] for s in found["statuses"]] == [post["id"]]
                )

            _eventually(delivered)
    finally:
        server.stop()


def _seed(settings: Settings) -> tuple[int, list[int], list[int]]:
    """An author with FOLLOWERS active followers and POSTS fresh posts whose fan-out jobs
    are queued; returns (author id, follower ids, post ids)."""
    services = Services.build(replace(settings, jobs="off"))
    try:
        with services.db.unit() as uow:
            author = create_account(uow.session, "author", email="author@e2e.example", password="long enough")
            bulk_followers(uow.session, author.id, FOLLOWERS)
            uow.session.execute(update(Account).values(last_active_at=utcnow()))
            followers = list(uow.session.scalars(select(Follow.account_id).where(Follow.target_account_id == author.id)))
            for account_id in [author.id, *followers]:
                services.feeds.replace(uow.session, account_id, [])
            author_id = author.id
        with services.db.unit() as uow:
            author = uow.session.get(Account, author_id)
            assert author is not None
            posts = [
                create_post(uow.session, author, PostInput(text=f"post number {i}"), services.renderer).id
                for i in range(POSTS)
            ]
        return author_id, followers, posts
    finally:
        services.close()


def _queue_state(services: Services, pid: int) -> tuple[int, int]:
    """(queued jobs, jobs leased by the worker process ``pid`` and not finished)."""
    with services.db.unit(write=False) as uow:
        leased = uow.session.scalar(
            select(func.count()).select_from(Job).where(Job.locked_by.like(f"%:{pid}:%"), Job.locked_until > utcnow())
        )
        return pending(uow.session), int(leased or 0)


def test_killing_a_worker_mid_job_loses_nothing(env: dict[str, str]) -> None:
    env = {**env, "PARLEY_JOBS": "off", "PARLEY_JOB_LEASE_SECONDS": "3", "PARLEY_FANOUT_BATCH": "200"}
    settings = Settings.from_env(env).with_secret()
    author_id, followers, posts = _seed(settings)
    services = Services.build(replace(settings, jobs="off"))
    try:
        total, _ = _queue_state(services, 0)
        assert total >= POSTS
        killed_mid_job = 0
        for _ in range(5):
            worker = subprocess.Popen(
                [sys.executable, "-m", "parley.cli", "worker", "--batch", "5", "--poll", "0.1"],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                before = _queue_state(services, worker.pid)[0]
                deadline = time.monotonic() + 60
                while _queue_state(services, worker.pid)[0] >= before and time.monotonic() < deadline:
                    time.sleep(0.02)
            finally:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
            left, leased = _queue_state(services, worker.pid)
            assert left > 0, "the worker finished everything before it could be killed"
            if leased:
                killed_mid_job += 1
                break
        assert killed_mid_job, "never caught the worker holding a job"
        # A new worker takes over the dead one's jobs once their leases run out.
        survivor = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "worker", "--poll", "0.1"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _eventually(lambda: _queue_state(services, survivor.pid)[0] == 0, timeout=120)
        finally:
            survivor.terminate()
            survivor.wait(timeout=20)
        with services.db.unit(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Job)) == 0  # none parked
            for post_id in posts:
                delivered = services.feeds.count_containing(uow.session, [author_id, *followers], post_id)
                assert delivered == FOLLOWERS + 1, post_id
    finally:
        services.close()


def test_serve_with_several_worker_processes(env: dict[str, str], tmp_path: Path) -> None:
    """``parley serve --workers 2`` runs two app processes behind one port, each with its
    own job thread; a post made through one is delivered and readable through any."""
    port = _free_port()
    env = {**env, "PARLEY_BASE_URL": f"http://127.0.0.1:{port}"}
    _cli(env, "user", "create", "alice", "--email", "alice@e2e.example", "--password", "long enough")
    _cli(env, "user", "create", "bob", "--email", "bob@e2e.example", "--password", "long enough")
    alice = {"Authorization": f"Bearer {_cli(env, 'token', 'create', 'alice')}"}
    bob = {"Authorization": f"Bearer {_cli(env, 'token', 'create', 'bob')}"}
    log = (tmp_path / "workers.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:

            def healthy() -> bool:
                try:
                    return http.get("/health").status_code == 200
                except httpx.TransportError:
                    return False

            _eventually(healthy, timeout=30)
            alice_id = http.get("/api/v1/accounts/lookup", params={"acct": "alice"}).json()["id"]
            http.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob)
            http.get("/api/v1/timelines/home", headers=bob)
            posts = [http.post("/api/v1/statuses", headers=alice, json={"status": f"n{i}"}).json()["id"] for i in range(6)]
            _eventually(lambda: [s["id"] for s in http.get("/api/v1/timelines/home", headers=bob).json()] == posts[::-1])
        assert len(_children(server.pid)) >= 2, "expected two app processes"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found
