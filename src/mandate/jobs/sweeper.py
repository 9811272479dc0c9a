"""The safety net: re-enqueue jobs whose queue message was lost or whose worker died."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mandate.jobs.models import Job, JobStatus
from mandate.kit.db import utcnow
from mandate.kit.logging import get_logger
from mandate.runtime import Runtime, attach

log = get_logger(__name__)
BATCH = 500
GAVE_UP = "The worker stopped during the last attempt."


async def sweep(factory: async_sessionmaker[AsyncSession], runtime: Runtime) -> int:
    """Returns how many jobs were handed to the queue again."""
    now = utcnow()
    grace = timedelta(seconds=runtime.settings.jobs_queued_grace_seconds)
    async with factory() as session:
        attach(session, runtime)
        exhausted = await _fail_exhausted(session, now)
        stale_queued = Job.status == JobStatus.QUEUED.value
        lost = (await session.scalars(_ids(stale_queued & (Job.run_at < now - grace)))).all()
        expired_lease = (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now)
        orphaned = (await session.scalars(_ids(expired_lease))).all()
        await session.commit()
    ids: list[uuid.UUID] = [*lost, *orphaned]
    for job_id in ids:
        await runtime.jobs.submit(job_id)
    if ids or exhausted:
        log.info("jobs_swept", requeued=len(ids), failed=exhausted)
    return len(ids)


def _ids(condition: ColumnElement[bool]) -> Select[uuid.UUID]:
    return select(Job.id).where(condition).order_by(Job.run_at).limit(BATCH)


async def _fail_exhausted(session: AsyncSession, now: datetime) -> int:
    statement = (
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING.value,
            Job.locked_until < now,
            Job.attempts >= Job.max_attempts,
        )
        .values(status=JobStatus.FAILED.value, last_error=GAVE_UP, finished_at=now, locked_until=None, updated_at=now)
    )
    done = await session.execute(statement)
    return int(getattr(done, "rowcount", 0) or 0)
