"""The long-lived objects of one Parley instance, made once by ``create_app(settings)``."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from parley.feeds.store import FeedStore, RedisFeeds, SqlFeeds
from parley.jobs.worker import InProcessWorkers, Worker
from parley.memo import Memo
from parley.posts.render import Renderer
from parley.ratelimit import Limiter
from parley.settings import Settings
from parley.store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    renderer: Renderer
    limiter: Limiter
    feeds: FeedStore
    redis: redis.Redis | None = None
    workers: InProcessWorkers | None = field(default=None)
    # JSON fragments derived from rows, shared by this process's requests (parley.memo).
    memo: Memo = field(default_factory=Memo)

    @classmethod
    def build(cls, settings: Settings, *, job_threads: int = 1) -> Services:
        """``job_threads``: job worker threads this process runs besides its requests'."""
        client = redis.Redis.from_url(settings.redis_url) if settings.redis_url else None
        feeds: FeedStore = (
            RedisFeeds(client, settings.redis_prefix, settings.feed_size)
            if client is not None
            else SqlFeeds(settings.feed_size)
        )
        services = cls(
            settings=settings,
            db=Database(settings.database_url, connections=settings.threads + job_threads),
            renderer=Renderer(settings.base_url),
            limiter=Limiter(settings),
            feeds=feeds,
            redis=client,
        )
        services._wire_jobs()
        return services

    def _wire_jobs(self) -> None:
        mode = self.settings.jobs
        if mode == "inline":
            inline = Worker(self, name="inline")
            self.db.on_jobs = lambda ids: _drain_inline(inline, ids)
        elif mode == "thread":
            self.workers = InProcessWorkers(self)
            self.db.on_jobs = self.workers.wake

    def start(self) -> None:
        """Start in-process job workers (app start-up, thread mode)."""
        if self.workers is not None:
            self.workers.start()

    def close(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        self.db.dispose()
        if self.redis is not None:
            self.redis.close()


def _drain_inline(worker: Worker, ids: list[int]) -> None:
    # Jobs written by these jobs run too: the hook fires again after each job commits.
    worker.drain(only=ids)
