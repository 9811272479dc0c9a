from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record_raw
from mandate.authz.context import Caller
from mandate.jobs.models import Job, JobStatus
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound
from mandate.kit.session import after_commit
from mandate.kit.tenancy import unscoped
from mandate.runtime import runtime_of


class JobNotFailed(Conflict):
    code = "job_not_failed"
    title = "Only a failed job can be retried"


async def retry(session: AsyncSession, staff: Caller, job_id: uuid.UUID) -> Job:
    """Staff gives a failed job a fresh set of attempts; the history of its error stays in the audit log."""
    job = await session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise NotFound("No such job")
    if job.status != JobStatus.FAILED.value:
        raise JobNotFailed(f"Only a failed job can be retried; this one is {job.status}.")
    if job.organization_id is not None:
        with unscoped(session):  # the entry belongs to the job's organization, not staff's own
            record_raw(
                session,
                organization_id=job.organization_id,
                actor_label=f"staff:{staff.user.email}",
                actor_user_id=staff.user.id,
                action="job.retried",
                subject_type="job",
                subject_id=job.id,
                data={"name": job.name, "error": job.last_error, "attempts": job.attempts},
            )
            await session.flush()
    job.status, job.run_at, job.finished_at, job.max_attempts = JobStatus.QUEUED.value, utcnow(), None, job.attempts + 3
    queue = runtime_of(session).jobs

    async def hand_to_queue() -> None:
        await queue.submit(job_id)

    after_commit(session, hand_to_queue)
    return job
