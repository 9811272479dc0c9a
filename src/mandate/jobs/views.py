"""Staff console tab: jobs by state, the error of failed ones, and a retry button (HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from mandate.authz.context import Caller
from mandate.authz.roles import Permission
from mandate.jobs import repository, service
from mandate.jobs.api import job_fields
from mandate.jobs.models import JobStatus
from mandate.kit.errors import AppError, NotFound
from mandate.kit.session import DbSession
from mandate.staff.views import render_tab
from mandate.web.deps import OrgPage, StaffPage
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
JOB_TITLES = {"deal.export": "Deal export", "document.export": "Document export"}


@router.get("/staff/jobs")
async def jobs(page: StaffPage, db: DbSession, status: Annotated[str, Query(max_length=12)] = "") -> Response:
    chosen = JobStatus(status) if status in JobStatus.__members__.values() else None
    rows = await repository.recent(db, status=chosen, limit=PAGE_SIZE)
    counts = await repository.counts_by_status(db)
    return render_tab(
        page, "jobs", "jobs/staff_jobs.html", jobs=rows, counts=counts, status=chosen, states=list(JobStatus)
    )


@router.get("/jobs/{job_id}")
async def job_page(job_id: uuid.UUID, pair: OrgPage, db: DbSession, request: Request) -> Response:
    """A job of the caller's organization; htmx polls the status block until the job is finished."""
    page, ctx = pair
    ctx.require(Permission.ORG_READ)
    job = await repository.get_for_org(db, job_id, ctx.organization.id)
    if job is None:
        raise NotFound("No such job in this organization")
    context = page.context(job=job, title=JOB_TITLES.get(job.name, "Background job"), fields=job_fields(job, request))
    return render(request, "jobs/job.html", context, block_name="status" if is_htmx(request) else None)


@router.post("/staff/jobs/{job_id}/retry")
async def retry(job_id: uuid.UUID, page: StaffPage, db: DbSession) -> Response:
    response = RedirectResponse("/staff/jobs?status=failed", status_code=303)
    try:
        job = await service.retry(db, Caller(page.user, page.request.state.resolved.session), job_id)
    except AppError as error:
        if error.status == 404:
            raise
        await rollback_page(db, page)
        flash(page.request, response, error.detail, "error")
        return response
    flash(page.request, response, f"{job.name} is queued again.")
    return response
