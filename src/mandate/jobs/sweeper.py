"""The per-minute tick: re-enqueue jobs whose queue message was lost or whose worker died, and start
the maintenance jobs that have work (`periodic`)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mandate.jobs import periodic
from mandate.jobs.models import Job, JobStatus
from mandate.jobs.registry import get_spec
from mandate.jobs.runner import call_failure_hook
from mandate.kit.db import utcnow
from mandate.kit.logging import get_logger
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import set_organization
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
        maintenance = await periodic.enqueue_due(session)
        await session.commit()
    await run_after_commit(session)  # failure hooks' events, maintenance jobs to the queue
    ids: list[uuid.UUID] = [*lost, *orphaned]
    for job_id in ids:
        await runtime.jobs.submit(job_id)
    if ids or exhausted or maintenance:
        log.info("jobs_swept", requeued=len(ids), failed=exhausted, maintenance=maintenance)
    return len(ids)


def _ids(condition: ColumnElement[bool]) -> Select[uuid.UUID]:
    return select(Job.id).where(condition).order_by(Job.run_at).limit(BATCH)


async def _fail_exhausted(session: AsyncSession, now: datetime) -> int:
    """Jobs whose last attempt died with its worker: failed for good, each with its failure hook."""
    dead = (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now) & (Job.attempts >= Job.max_attempts)
    rows = (await session.execute(select(Job.id, Job.name, Job.organization_id).where(dead).limit(BATCH))).all()
    failed = 0
    for job_id, name, organization_id in rows:
        values = {"status": JobStatus.FAILED.value, "last_error": GAVE_UP, "finished_at": now, "locked_until": None}
        done = await session.execute(update(Job).where(Job.id == job_id, dead).values(updated_at=now, **values))
        if not getattr(done, "rowcount", 0):
            continue  # another sweeper got there first
        failed += 1
        spec = get_spec(name)
        if spec is not None:
            set_organization(session, organization_id)
            await call_failure_hook(session, spec, job_id, GAVE_UP)
            await session.flush()  # while the hook's organization is in scope
    set_organization(session, None)
    return failed
