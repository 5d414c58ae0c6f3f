"""The job queue for admins (``/api/parley/v1/admin/jobs``): what is queued, what kept
failing and was parked (with its error), and retrying parked jobs."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response, parse_id
from parley.api.mastodon.entities import iso
from parley.errors import NotFound
from parley.jobs import queue
from parley.safety.permissions import check_admin
from parley.store.tables import Job

router = APIRouter()


def _job(job: Job) -> dict[str, object]:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "payload": json.loads(job.payload or "{}"),
        "state": job.state,
        "attempts": job.attempts,
        "last_error": job.last_error,
        "run_at": iso(job.run_at),
        "created_at": iso(job.created_at),
    }


@router.get(
    "/api/parley/v1/admin/jobs",
    summary="Queued and parked jobs (admins)",
    description="`queued`: how many jobs wait to run; `parked`: jobs that kept failing, newest first, with their last error.",
)
async def list_jobs(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        check_admin(ctx.account.role)
        return json_response(
            {"queued": queue.pending(ctx.session), "parked": [_job(j) for j in queue.parked(ctx.session)]}
        )

    return await call(request, work, scope="admin:read")


@router.post(
    "/api/parley/v1/admin/jobs/{job_id}/retry",
    summary="Queue a parked job again (admins)",
)
async def retry_job(request: Request, job_id: str) -> Response:
    def work(ctx: Ctx) -> Response:
        check_admin(ctx.account.role)
        if queue.retry_parked(ctx.session, parse_id(job_id)) == 0:
            raise NotFound("Record not found")
        job = ctx.session.get(Job, parse_id(job_id))
        assert job is not None
        return json_response(_job(job))

    return await call(request, work, scope="admin:write")
