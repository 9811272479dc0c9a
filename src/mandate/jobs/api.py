from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from mandate.authz.dependencies import CurrentOrg, StaffCaller
from mandate.authz.roles import Permission
from mandate.jobs import repository, service
from mandate.jobs.models import Job, JobStatus
from mandate.jobs.schemas import JobOut, StaffJobList, StaffJobOut
from mandate.kit.errors import NotFound, responses
from mandate.kit.session import DbSession
from mandate.storage import DownloadLinks

router = APIRouter(tags=["jobs"])
STAFF_LIST_LIMIT = 200


def job_fields(job: Job, request: Request) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "name": job.name,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.last_error if job.status != JobStatus.SUCCEEDED.value else None,
        "result": job.result,
        "download_url": download_url(job, request),
    }


def download_url(job: Job, request: Request) -> str | None:
    """Jobs that produce a file put {"file": {key, filename, content_type}} in their result."""
    file = (job.result or {}).get("file")
    if job.status != JobStatus.SUCCEEDED.value or not isinstance(file, dict):
        return None
    links: DownloadLinks = request.app.state.runtime.downloads
    return links.signed_url(file["key"], filename=file["filename"], content_type=file["content_type"])


@router.get("/api/jobs/{job_id}", response_model=JobOut, responses=responses(401, 404))
async def get_job(job_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request) -> JobOut:
    ctx.require(Permission.ORG_READ)
    job = await repository.get_for_org(db, job_id, ctx.organization.id)
    if job is None:
        raise NotFound("No such job in this organization")
    return JobOut(**job_fields(job, request))


@router.get("/api/staff/jobs", response_model=StaffJobList, responses=responses(401, 404), tags=["staff"])
async def staff_jobs(
    staff: StaffCaller, db: DbSession, request: Request, status: Annotated[JobStatus | None, Query()] = None
) -> StaffJobList:
    jobs = await repository.recent(db, status=status, limit=STAFF_LIST_LIMIT)
    items = [StaffJobOut(**job_fields(job, request), organization_id=job.organization_id) for job in jobs]
    return StaffJobList(counts=await repository.counts_by_status(db), items=items)


@router.post(
    "/api/staff/jobs/{job_id}/retry", response_model=StaffJobOut, responses=responses(401, 404, 409), tags=["staff"]
)
async def staff_retry_job(job_id: uuid.UUID, staff: StaffCaller, db: DbSession, request: Request) -> StaffJobOut:
    job = await service.retry(db, staff, job_id)
    return StaffJobOut(**job_fields(job, request), organization_id=job.organization_id)
