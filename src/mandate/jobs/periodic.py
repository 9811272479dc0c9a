"""Maintenance jobs the per-minute tick starts: a job name and a cheap probe for pending work.

The tick (the sweeper) asks each probe and enqueues the job only when there is work and no run of
it is already queued or running, so the jobs table holds a run per batch of work, not per minute.
Probes see every organization: maintenance is platform-wide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.jobs.models import Job, JobStatus
from mandate.jobs.outbox import enqueue
from mandate.kit.tenancy import unscoped

Probe = Callable[[AsyncSession], Awaitable[bool]]
_MAINTENANCE: dict[str, Probe] = {}


def maintenance(job_name: str, has_work: Probe) -> None:
    """Start `job_name` (a registered job, run without an organization) whenever `has_work` says so."""
    _MAINTENANCE[job_name] = has_work


async def enqueue_due(session: AsyncSession) -> list[str]:
    """Enqueue the maintenance jobs that have work; they reach the queue when `session` commits."""
    started: list[str] = []
    for name, has_work in _MAINTENANCE.items():
        pending = Job.status.in_((JobStatus.QUEUED.value, JobStatus.RUNNING.value))
        if await session.scalar(select(Job.id).where(Job.name == name, pending).limit(1)) is not None:
            continue
        with unscoped(session):
            due = await has_work(session)
        if due:
            enqueue(session, name, {}, organization_id=None)
            started.append(name)
    return started
