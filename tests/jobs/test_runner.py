"""Running jobs with the immediate queue: a job runs in its own thread as its transaction commits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from mandate.jobs import enqueue
from mandate.jobs.models import Job
from mandate.jobs.runner import run_job
from mandate.jobs.sweeper import GAVE_UP
from mandate.kit.db import utcnow
from tests.jobs.conftest import commit_job, effects, load_job, open_session
from tests.jobs.handlers import GAVE_UP_EFFECT

pytestmark = pytest.mark.anyio


async def test_a_committed_job_runs_and_records_its_result(app: Any, org_id: uuid.UUID) -> None:
    job_id = await commit_job(app, org_id, "test.record", {"value": 42})
    job = await load_job(app, job_id)
    assert (job.status, job.attempts, job.result) == ("succeeded", 1, {"echo": 42})
    assert job.started_at is not None and job.finished_at is not None and job.finished_at >= job.started_at
    assert job.locked_until is None
    assert await effects(app, job_id) == 1


async def test_a_rolled_back_job_leaves_no_row_and_never_runs(app: Any, org_id: uuid.UUID) -> None:
    async with open_session(app) as session:
        created = enqueue(session, "test.record", {}, organization_id=org_id)
        await session.flush()
        await session.rollback()
    async with app.state.session_factory() as check:
        assert await check.get(Job, created.id) is None
    assert await effects(app, created.id) == 0


async def test_an_unknown_job_type_is_refused_when_written(app: Any, org_id: uuid.UUID) -> None:
    async with open_session(app) as session:
        with pytest.raises(ValueError, match="no job type"):
            enqueue(session, "test.never_registered", {}, organization_id=org_id)


async def test_a_failing_attempt_is_retried_until_it_succeeds(app: Any, org_id: uuid.UUID) -> None:
    job_id = await commit_job(app, org_id, "test.flaky", {"failures": 2})  # no backoff: retried at once
    job = await load_job(app, job_id)
    assert (job.status, job.attempts, job.result) == ("succeeded", 3, {"attempts": 3})
    assert job.last_error == "ConnectionError: attempt 2 lost its connection"
    assert await effects(app, job_id) == 1


async def test_a_retry_waits_for_its_backoff(app: Any, org_id: uuid.UUID) -> None:
    before = utcnow()
    job_id = await commit_job(app, org_id, "test.flaky_with_backoff", {"failures": 1})
    job = await load_job(app, job_id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == "ConnectionError: attempt 1 lost its connection"
    assert before + timedelta(seconds=29) < job.run_at < utcnow() + timedelta(seconds=31)
    # Not claimable before its time, even if a message arrives early.
    assert await run_job(app.state.session_factory, app.state.runtime, job_id) == "skipped"
    async with open_session(app) as session:
        await session.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))
        await session.commit()
    assert await run_job(app.state.session_factory, app.state.runtime, job_id) == "succeeded"
    assert await effects(app, job_id) == 1


async def test_the_last_failed_attempt_fails_the_job(app: Any, org_id: uuid.UUID) -> None:
    job_id = await commit_job(app, org_id, "test.flaky", {"failures": 5})
    job = await load_job(app, job_id)
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.last_error == "ConnectionError: attempt 3 lost its connection"
    assert job.finished_at is not None
    assert await run_job(app.state.session_factory, app.state.runtime, job_id) == "skipped"
    assert await effects(app, job_id) == 0


async def test_a_permanent_failure_is_not_retried(app: Any, org_id: uuid.UUID) -> None:
    job_id = await commit_job(app, org_id, "test.reject")
    job = await load_job(app, job_id)
    assert (job.status, job.attempts, job.last_error) == ("failed", 1, "The input file is not a spreadsheet.")


async def test_a_finished_job_is_not_run_again(app: Any, org_id: uuid.UUID) -> None:
    job_id = await commit_job(app, org_id, "test.record")
    assert await run_job(app.state.session_factory, app.state.runtime, job_id) == "skipped"
    assert await effects(app, job_id) == 1


async def test_a_worker_that_lost_its_lease_cannot_commit(app: Any, org_id: uuid.UUID) -> None:
    """The success mark is fenced by the attempt number, so a superseded run's writes roll back."""
    async with open_session(app) as session:
        job = enqueue(session, "test.record", {}, organization_id=org_id)
        await session.commit()  # not handed to the queue: this test plays both workers
    async with open_session(app) as session:
        # Another worker already took over attempt 2 while the first still believed it held attempt 1.
        await session.execute(update(Job).where(Job.id == job.id).values(status="running", attempts=2))
        await session.commit()
    from mandate.jobs import runner
    from mandate.jobs.registry import get_spec

    spec = get_spec("test.record")
    assert spec is not None
    stale = runner.Claim(job.id, "test.record", 1, org_id)
    outcome = await runner._execute(app.state.session_factory, app.state.runtime, stale, spec)
    assert outcome == "superseded"
    assert await effects(app, job.id) == 0


async def test_the_sweeper_requeues_a_job_whose_message_was_lost(app: Any, org_id: uuid.UUID) -> None:
    async with open_session(app) as session:
        job = enqueue(session, "test.record", {"value": "late"}, organization_id=org_id)
        job.run_at = utcnow() - timedelta(minutes=5)
        await session.commit()  # committed, but the after-commit hand-off never happened
    assert (await load_job(app, job.id)).status == "queued"
    assert await asyncio.to_thread(app.state.runtime.jobs.threads.sweep) == 1
    assert (await load_job(app, job.id)).status == "succeeded"


async def test_the_sweeper_leaves_fresh_and_finished_jobs_alone(app: Any, org_id: uuid.UUID) -> None:
    await commit_job(app, org_id, "test.record")
    async with open_session(app) as session:
        enqueue(session, "test.record", {}, organization_id=org_id)
        await session.commit()  # queued just now: inside the grace period
    assert await asyncio.to_thread(app.state.runtime.jobs.threads.sweep) == 0


async def test_the_sweeper_fails_a_job_whose_last_attempt_died(app: Any, org_id: uuid.UUID) -> None:
    async with open_session(app) as session:
        job = enqueue(session, "test.record", {}, organization_id=org_id)
        job.status, job.attempts, job.locked_until = "running", 3, utcnow() - timedelta(seconds=1)
        await session.commit()
    assert await asyncio.to_thread(app.state.runtime.jobs.threads.sweep) == 0
    swept = await load_job(app, job.id)
    assert (swept.status, swept.last_error) == ("failed", GAVE_UP)


class TestFailureHook:
    async def test_a_permanent_failure_calls_the_hook_once(self, app: Any, org_id: uuid.UUID) -> None:
        job_id = await commit_job(app, org_id, "test.reject_with_hook")
        assert (await load_job(app, job_id)).status == "failed"
        assert await effects(app, job_id, GAVE_UP_EFFECT) == 1

    async def test_running_out_of_attempts_calls_the_hook_once(self, app: Any, org_id: uuid.UUID) -> None:
        job_id = await commit_job(app, org_id, "test.always_down_with_hook")
        job = await load_job(app, job_id)
        assert (job.status, job.attempts) == ("failed", 2)
        assert await effects(app, job_id, GAVE_UP_EFFECT) == 1
        assert await effects(app, job_id) == 0

    async def test_a_retry_does_not_call_the_hook(self, app: Any, org_id: uuid.UUID) -> None:
        job_id = await commit_job(app, org_id, "test.flaky_with_backoff", {"failures": 1})
        assert (await load_job(app, job_id)).status == "queued"
        assert await effects(app, job_id, GAVE_UP_EFFECT) == 0

    async def test_the_sweeper_calls_the_hook_when_the_last_attempt_died(self, app: Any, org_id: uuid.UUID) -> None:
        async with open_session(app) as session:
            job = enqueue(session, "test.reject_with_hook", {}, organization_id=org_id)
            job.status, job.attempts, job.locked_until = "running", 3, utcnow() - timedelta(seconds=1)
            await session.commit()
        await asyncio.to_thread(app.state.runtime.jobs.threads.sweep)
        assert (await load_job(app, job.id)).status == "failed"
        assert await effects(app, job.id, GAVE_UP_EFFECT) == 1
        await asyncio.to_thread(app.state.runtime.jobs.threads.sweep)  # a second sweep finds nothing
        assert await effects(app, job.id, GAVE_UP_EFFECT) == 1
