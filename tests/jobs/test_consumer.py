"""Jobs through a real queue and consumer: in the app process (embedded) and in `mandate worker`
subprocesses, on Huey's SQLite storage and on Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from mandate.config import Settings
from mandate.jobs.models import Job
from mandate.kit.db import utcnow
from mandate.runtime import Runtime, build_runtime
from tests.helpers.live import ROOT, free_port
from tests.jobs.conftest import effects, load_job

pytestmark = pytest.mark.anyio
WAIT_SECONDS = 60
WORKER_COMMAND = "import sys, tests.jobs.handlers; from mandate.cli import main; raise SystemExit(main(sys.argv[1:]))"


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> str:
    if request.param == "redis" and not settings.redis_url:
        pytest.skip("the Redis queue needs a server: set MANDATE_TEST_REDIS_URL")
    return str(request.param)


@pytest.fixture
def queue_settings(settings: Settings, backend: str) -> Settings:
    return settings.model_copy(update={"jobs_backend": backend, "jobs_in_process": False})


@pytest.fixture
def runtime(queue_settings: Settings) -> Runtime:
    return build_runtime(queue_settings)


async def wait_for_status(app: Any, job_id: uuid.UUID, *statuses: str) -> Job:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        job = await load_job(app, job_id)
        if job.status in statuses:
            return job
        await asyncio.sleep(0.05)  # polling another process's progress
    pytest.fail(f"job {job_id} never reached {statuses}; last seen {job.status}")


async def wait_for_file(path: Path) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not path.exists():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"{path} was never written")
        await asyncio.sleep(0.05)


@contextmanager
def worker_process(settings: Settings, log_path: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "MANDATE_DATABASE_URL": settings.database_url,
        "MANDATE_DATA_DIR": str(settings.data_dir),
        "MANDATE_REDIS_URL": settings.redis_url,
        "MANDATE_SECRET_KEY": settings.secret_key,
        "MANDATE_JOBS_BACKEND": settings.jobs_backend,
        "MANDATE_LOG_LEVEL": "INFO",
    }
    with log_path.open("ab") as log:
        command = [sys.executable, "-c", WORKER_COMMAND, "worker", *args]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def commit_via(app: Any, runtime: Runtime, org_id: uuid.UUID, name: str, payload: dict[str, Any]) -> uuid.UUID:
    from mandate.jobs import enqueue
    from mandate.kit.session import run_after_commit
    from mandate.runtime import attach

    async with attach(app.state.session_factory(), runtime) as session:
        created = enqueue(session, name, payload, organization_id=org_id)
        await session.commit()
    await run_after_commit(session)
    return created.id


@pytest.fixture
async def embedded_app(queue_settings: Settings) -> AsyncIterator[Any]:
    from mandate.app import create_app

    app = create_app(queue_settings.model_copy(update={"jobs_in_process": True}))
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    async with LifespanManager(app):
        # The consumer threads run inside a process whose signals belong to its server (uvicorn).
        assert {signum: signal.getsignal(signum) for signum in handlers} == handlers
        yield app


async def test_embedded_consumer_threads_run_a_job(embedded_app: Any, orgs: Any) -> None:
    org = await orgs.create(roles=("owner",))
    job_id = await commit_via(embedded_app, embedded_app.state.runtime, org.id, "test.record", {"value": "x"})
    job = await wait_for_status(embedded_app, job_id, "succeeded", "failed")
    assert (job.status, job.result) == ("succeeded", {"echo": "x"})
    assert await effects(embedded_app, job_id) == 1


async def test_a_worker_process_runs_jobs(
    app: Any, runtime: Runtime, queue_settings: Settings, org_id: uuid.UUID, tmp_path: Path
) -> None:
    with worker_process(queue_settings, tmp_path / "worker.log"):
        ids = [await commit_via(app, runtime, org_id, "test.record", {"value": n}) for n in range(5)]
        for n, job_id in enumerate(ids):
            job = await wait_for_status(app, job_id, "succeeded", "failed")
            assert (job.status, job.result) == ("succeeded", {"echo": n})
    assert [await effects(app, job_id) for job_id in ids] == [1] * 5


async def test_a_job_whose_worker_is_killed_runs_again_and_takes_effect_once(
    app: Any, runtime: Runtime, queue_settings: Settings, org_id: uuid.UUID, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    with worker_process(queue_settings, tmp_path / "first-worker.log") as first:
        job_id = await commit_via(app, runtime, org_id, "test.stall_first_attempt", {"started_marker": str(marker)})
        await wait_for_file(marker)  # the handler has written its effect and is mid-job
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    stuck = await load_job(app, job_id)
    assert (stuck.status, stuck.attempts) == ("running", 1)
    assert await effects(app, job_id) == 0  # the killed transaction never committed
    assert stuck.locked_until is not None
    await asyncio.sleep(max((stuck.locked_until - utcnow()).total_seconds(), 0) + 0.1)  # let the lease lapse

    with worker_process(queue_settings, tmp_path / "second-worker.log"):
        assert await asyncio.to_thread(runtime.jobs.threads.sweep) == 1  # type: ignore[union-attr]
        job = await wait_for_status(app, job_id, "succeeded", "failed")
    assert (job.status, job.attempts, job.result) == ("succeeded", 2, {"attempt": 2})
    assert await effects(app, job_id) == 1


async def test_a_worker_serves_its_own_metrics(
    app: Any, runtime: Runtime, queue_settings: Settings, org_id: uuid.UUID, tmp_path: Path
) -> None:
    port = free_port()
    with worker_process(queue_settings, tmp_path / "worker.log", "--metrics-port", str(port)):
        job_id = await commit_via(app, runtime, org_id, "test.record", {"value": 1})
        await wait_for_status(app, job_id, "succeeded")
        async with httpx.AsyncClient() as client:
            exposition = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    assert 'mandate_jobs_total{job="test.record",outcome="succeeded"} 1.0' in exposition
