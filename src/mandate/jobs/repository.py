from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.jobs.models import Job, JobStatus


async def get_for_org(session: AsyncSession, job_id: uuid.UUID, organization_id: uuid.UUID) -> Job | None:
    """Jobs are not tenant-scoped rows (platform jobs have no organization): filter explicitly."""
    return await session.scalar(select(Job).where(Job.id == job_id, Job.organization_id == organization_id))


async def recent(session: AsyncSession, *, status: JobStatus | None, limit: int) -> Sequence[Job]:
    query = select(Job).order_by(Job.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status.value)
    return (await session.scalars(query)).all()


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status))
    found = {status: int(n) for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in JobStatus}
