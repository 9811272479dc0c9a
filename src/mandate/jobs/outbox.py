"""Writing a job: a row in the caller's transaction, handed to the queue after commit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.jobs.models import Job, JobStatus
from mandate.jobs.registry import get_spec
from mandate.kit import metrics
from mandate.kit.db import utcnow
from mandate.kit.session import after_commit
from mandate.kit.tenancy import current_organization
from mandate.runtime import runtime_of


def enqueue(
    session: AsyncSession,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    organization_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
    delay_seconds: float = 0,
    job_id: uuid.UUID | None = None,
) -> Job:
    """`job_id` lets the caller name the job in rows and events it writes first (they go out in order)."""
    spec = get_spec(name)
    if spec is None:
        raise ValueError(f"no job type {name!r} is registered")
    job = Job(
        id=job_id or uuid.uuid4(),
        name=name,
        payload=payload or {},
        organization_id=organization_id or current_organization(session),
        created_by_id=created_by_id,
        status=JobStatus.QUEUED.value,
        attempts=0,
        max_attempts=spec.max_attempts,
        run_at=utcnow() + timedelta(seconds=delay_seconds),
    )
    session.add(job)
    queue = runtime_of(session).jobs

    async def hand_to_queue() -> None:
        await queue.submit(job.id, delay=delay_seconds)
        metrics.job_enqueued(name)

    after_commit(session, hand_to_queue)
    return job
