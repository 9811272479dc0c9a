"""Run one job: claim the row, run the handler, mark the outcome, fenced by the attempt number.

The handler's writes and the success mark commit together, and the mark only lands if this
worker still holds the attempt it claimed: a worker that lost its lease (killed, stalled) has
its writes rolled back, so a job's database effect happens exactly once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mandate.jobs.models import Job, JobStatus
from mandate.jobs.registry import JobContext, JobFailed, JobResult, JobSpec, get_spec
from mandate.kit import metrics
from mandate.kit.db import utcnow
from mandate.kit.logging import get_logger
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import set_organization
from mandate.runtime import Runtime, attach

log = get_logger(__name__)
ERROR_LIMIT = 2000
DEFAULT_LEASE_SECONDS = 300
EARLY_TOLERANCE = timedelta(seconds=2)  # a delayed message may fire a moment before run_at


@dataclass(frozen=True)
class Claim:
    job_id: uuid.UUID
    name: str
    attempt: int
    organization_id: uuid.UUID | None


Factory = async_sessionmaker[AsyncSession]


async def run_job(factory: Factory, runtime: Runtime, job_id: uuid.UUID) -> str:
    """Returns the outcome: succeeded, retrying, failed, or skipped (not claimable)."""
    claim = await _claim(factory, runtime, job_id)
    if claim is None:
        return "skipped"
    spec = get_spec(claim.name)
    if spec is None:
        await _fail_or_retry(factory, runtime, claim, None, JobFailed(f"unknown job type {claim.name!r}"))
        return "failed"
    started = time.monotonic()
    try:
        outcome = await _execute(factory, runtime, claim, spec)
    except Exception as exc:
        log.warning("job_attempt_failed", job=claim.name, job_id=str(job_id), attempt=claim.attempt, exc_info=True)
        outcome = await _fail_or_retry(factory, runtime, claim, spec, exc)
    log.info("job_finished", job=claim.name, job_id=str(job_id), outcome=outcome, ms=_ms(started))
    metrics.observe_job(claim.name, outcome, time.monotonic() - started)
    return outcome


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def _claim(factory: Factory, runtime: Runtime, job_id: uuid.UUID) -> Claim | None:
    now = utcnow()
    claimable = or_(
        (Job.status == JobStatus.QUEUED.value) & (Job.run_at <= now + EARLY_TOLERANCE),
        (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now),
    )
    statement = (
        update(Job)
        .where(Job.id == job_id, claimable, Job.attempts < Job.max_attempts)
        .values(status=JobStatus.RUNNING.value, attempts=Job.attempts + 1, started_at=now, updated_at=now)
        .returning(Job.name, Job.attempts, Job.organization_id)
    )
    async with factory() as session:
        attach(session, runtime)
        row = (await session.execute(statement)).one_or_none()
        if row is None:
            await session.rollback()
            return None
        spec = get_spec(row.name)
        lease = spec.lease_seconds if spec else DEFAULT_LEASE_SECONDS
        await session.execute(update(Job).where(Job.id == job_id).values(locked_until=now + timedelta(seconds=lease)))
        await session.commit()
    return Claim(job_id, row.name, row.attempts, row.organization_id)


async def _execute(factory: Factory, runtime: Runtime, claim: Claim, spec: JobSpec) -> str:
    async with factory() as session:
        attach(session, runtime)
        set_organization(session, claim.organization_id)
        job = await session.get(Job, claim.job_id)
        if job is None:  # deleted with its organization while queued
            return "skipped"
        result = await spec.handler(JobContext(session=session, runtime=runtime, job=job))
        if not await _mark(session, claim, JobStatus.SUCCEEDED, result=_jsonable(result), finished_at=utcnow()):
            await session.rollback()
            return "superseded"
        await session.commit()
    await run_after_commit(session)
    return "succeeded"


def _jsonable(result: JobResult) -> dict[str, Any] | None:
    return dict(result) if result is not None else None


async def _mark(session: AsyncSession, claim: Claim, status: JobStatus, **values: Any) -> bool:
    fenced = update(Job).where(
        Job.id == claim.job_id, Job.status == JobStatus.RUNNING.value, Job.attempts == claim.attempt
    )
    done = await session.execute(fenced.values(status=status.value, locked_until=None, updated_at=utcnow(), **values))
    return bool(getattr(done, "rowcount", 0) == 1)


async def _fail_or_retry(factory: Factory, runtime: Runtime, claim: Claim, spec: JobSpec | None, exc: Exception) -> str:
    final = spec is None or isinstance(exc, JobFailed) or claim.attempt >= spec.max_attempts
    error = str(exc) if isinstance(exc, JobFailed) else f"{type(exc).__name__}: {exc}"
    values: dict[str, Any] = {"last_error": error[:ERROR_LIMIT]}
    delay = 0.0
    if final:
        status, values["finished_at"] = JobStatus.FAILED, utcnow()
    else:
        assert spec is not None
        delay = spec.backoff(claim.attempt)
        status, values["run_at"] = JobStatus.QUEUED, utcnow() + timedelta(seconds=delay)
    async with factory() as session:
        attach(session, runtime)
        set_organization(session, claim.organization_id)
        if not await _mark(session, claim, status, **values):
            await session.rollback()
            return "superseded"
        if final and spec is not None:
            await call_failure_hook(session, spec, claim.job_id, values["last_error"])
        await session.commit()
    await run_after_commit(session)  # what the failure hook published
    if not final:
        await runtime.jobs.submit(claim.job_id, delay=delay)
        return "retrying"
    return "failed"


async def call_failure_hook(session: AsyncSession, spec: JobSpec, job_id: uuid.UUID, error: str) -> None:
    if spec.on_failure is None:
        return
    job = await session.get(Job, job_id)
    if job is not None:
        await spec.on_failure(session, job, error)
