"""What each kind of job does. Handlers are idempotent: a job may run more than once
(a worker can die after the work and before the job is marked done)."""

from __future__ import annotations

from typing import Any

from parley.feeds import service as feeds
from parley.jobs.worker import Handler, JobContext
from parley.notifications.service import deliver
from parley.safety.detectors import scan_post
from parley.search.fulltext import index_post
from parley.store.tables import Post


def fanout(ctx: JobContext, payload: dict[str, Any]) -> None:
    s = ctx.services
    feeds.fan_out(ctx.session, s.feeds, s.settings, int(payload["post_id"]))


def withdraw(ctx: JobContext, payload: dict[str, Any]) -> None:
    feeds.withdraw(ctx.session, ctx.services.feeds, int(payload["post_id"]))


def merge(ctx: JobContext, payload: dict[str, Any]) -> None:
    s = ctx.services
    feeds.merge(ctx.session, s.feeds, s.settings, int(payload["account_id"]), int(payload["author_id"]))


def unmerge(ctx: JobContext, payload: dict[str, Any]) -> None:
    s = ctx.services
    feeds.unmerge(ctx.session, s.feeds, s.settings, int(payload["account_id"]), int(payload["author_id"]))


def notify(ctx: JobContext, payload: dict[str, Any]) -> None:
    post_id = payload.get("post_id")
    deliver(
        ctx.session,
        int(payload["recipient_id"]),
        int(payload["from_id"]),
        str(payload["type"]),
        int(post_id) if post_id is not None else None,
    )


def reindex(ctx: JobContext, payload: dict[str, Any]) -> None:
    post = ctx.session.get(Post, int(payload["post_id"]))
    if post is not None:
        index_post(ctx.session, post)


def scan(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Run the automated detectors over a new or edited post (they may open a case)."""
    scan_post(ctx.session, ctx.services.settings, int(payload["post_id"]))


HANDLERS: dict[str, Handler] = {
    "fanout": fanout,
    "withdraw": withdraw,
    "merge": merge,
    "unmerge": unmerge,
    "notify": notify,
    "reindex": reindex,
    "scan": scan,
}

