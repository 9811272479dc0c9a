"""Job types the job tests run; imported by the test process and by worker subprocesses."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record_raw
from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.models import Job
from mandate.jobs.registry import JobResult

EFFECT = "test.job_effect"


def _effect(ctx: JobContext) -> None:
    organization_id = ctx.job.organization_id
    assert organization_id is not None
    record_raw(
        ctx.session,
        organization_id=organization_id,
        actor_label="job",
        action=EFFECT,
        subject_type="job",
        subject_id=ctx.job.id,
        data={"attempt": ctx.job.attempts},
    )


@job("test.record", max_attempts=3)
async def record(ctx: JobContext) -> JobResult:
    _effect(ctx)
    return {"echo": ctx.payload.get("value")}


async def _fail_first(ctx: JobContext) -> JobResult:
    if ctx.job.attempts <= int(ctx.payload["failures"]):
        raise ConnectionError(f"attempt {ctx.job.attempts} lost its connection")
    _effect(ctx)
    return {"attempts": ctx.job.attempts}


@job("test.flaky", max_attempts=3, backoff_seconds=0)
async def flaky(ctx: JobContext) -> JobResult:
    return await _fail_first(ctx)


@job("test.flaky_with_backoff", max_attempts=3, backoff_seconds=30)
async def flaky_with_backoff(ctx: JobContext) -> JobResult:
    return await _fail_first(ctx)


@job("test.reject", max_attempts=5)
async def reject(ctx: JobContext) -> JobResult:
    raise JobFailed("The input file is not a spreadsheet.")


@job("test.stall_first_attempt", max_attempts=3, lease_seconds=2)
async def stall_first_attempt(ctx: JobContext) -> JobResult:
    """Writes its effect, then on the first attempt signals and hangs until the process is killed."""
    _effect(ctx)
    await ctx.session.flush()
    if ctx.job.attempts == 1:
        Path(ctx.payload["started_marker"]).write_text(str(uuid.uuid4()))
        await asyncio.sleep(3600)
    return {"attempt": ctx.job.attempts}


GAVE_UP_EFFECT = "test.job_gave_up"


async def _record_gave_up(session: AsyncSession, failed: Job, error: str) -> None:
    assert failed.organization_id is not None
    record_raw(
        session,
        organization_id=failed.organization_id,
        actor_label="job",
        action=GAVE_UP_EFFECT,
        subject_type="job",
        subject_id=failed.id,
        data={"error": error, "status": failed.status},
    )


@job("test.reject_with_hook", max_attempts=3, on_failure=_record_gave_up)
async def reject_with_hook(ctx: JobContext) -> JobResult:
    raise JobFailed("Nothing to import.")


@job("test.always_down_with_hook", max_attempts=2, backoff_seconds=0, on_failure=_record_gave_up)
async def always_down_with_hook(ctx: JobContext) -> JobResult:
    _effect(ctx)  # rolled back with the failed attempt
    raise ConnectionError("the service is down")
