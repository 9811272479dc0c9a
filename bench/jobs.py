"""Benchmark: job overhead, enqueue -> succeeded for a no-op job, beside running it without a queue.

Run with ``python -m bench.jobs`` (part of ``make bench``). Rows, all measured in this run:

- ``handler call``: awaiting the no-op handler itself (the floor of any job).
- ``inline run``: after the job row is committed, claimed, run and marked in the same process
  without a queue: the cost of the outbox bookkeeping alone.
- ``embedded``: Huey on its own SQLite file, consumer threads inside this process (``make run``).
- ``redis``: Huey on Redis, the consumer in a separate ``mandate worker`` process (production shape),
  when a Redis server answers at MANDATE_BENCH_REDIS_URL (default redis://127.0.0.1:6379/15).

Latency is commit -> the row's ``finished_at``; jobs are enqueued one at a time at a steady pace so
each measures an idle queue, not a backlog. Performance is measured, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mandate.config import Settings
from mandate.jobs import JobContext, enqueue, job
from mandate.jobs.models import Job
from mandate.jobs.registry import JobResult
from mandate.jobs.runner import run_job
from mandate.kit.db import create_engine, create_session_factory, utcnow
from mandate.kit.logging import configure_logging
from mandate.kit.session import run_after_commit
from mandate.migrate import upgrade
from mandate.runtime import Runtime, attach, build_runtime

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
REDIS_ENV = "MANDATE_BENCH_REDIS_URL"
WORKER = "import bench.jobs; from mandate.cli import main; raise SystemExit(main(['worker', '--workers', '2']))"


@job("bench.noop", max_attempts=1)
async def noop(ctx: JobContext) -> JobResult:
    return None


@dataclass
class Row:
    mode: str
    jobs: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    p50_over_inline: float | None


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def row(mode: str, samples: list[float], inline: list[float] | None) -> Row:
    p50 = percentile(samples, 50)
    base = percentile(inline, 50) if inline else None
    return Row(
        mode, len(samples), p50, percentile(samples, 95), statistics.fmean(samples), p50 / base if base else None
    )


async def handler_calls(count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await noop(None)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def write_job(runtime: Runtime, factory: Any) -> tuple[uuid.UUID, datetime]:
    async with attach(factory(), runtime) as session:
        created = enqueue(session, "bench.noop", {})
        await session.commit()
    committed = utcnow()
    await run_after_commit(session)
    return created.id, committed


async def inline_runs(runtime: Runtime, factory: Any, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        async with attach(factory(), runtime) as session:
            created = enqueue(session, "bench.noop", {})
            session.sync_session.info.pop("after_commit", None)  # measured without a queue hand-off
            await session.commit()
        started = time.perf_counter()  # from the commit, like the queued rows
        await run_job(factory, runtime, created.id)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def queued_runs(runtime: Runtime, factory: Any, count: int, pace_s: float) -> list[float]:
    committed: dict[uuid.UUID, datetime] = {}
    for _ in range(count):
        job_id, at = await write_job(runtime, factory)
        committed[job_id] = at
        await asyncio.sleep(pace_s)
    finished = await wait_all(factory, list(committed))
    return [(finished[i] - committed[i]).total_seconds() * 1000 for i in committed]


async def wait_all(factory: Any, ids: list[uuid.UUID], timeout_s: float = 120) -> dict[uuid.UUID, datetime]:
    from sqlalchemy import select

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with factory() as session:
            rows = (await session.execute(select(Job.id, Job.finished_at).where(Job.id.in_(ids)))).all()
        done = {job_id: at for job_id, at in rows if at is not None}
        if len(done) == len(ids):
            return done
        await asyncio.sleep(0.2)
    raise RuntimeError(f"only some of {len(ids)} jobs finished within {timeout_s}s")


@contextmanager
def worker(settings: Settings, log: Path) -> Iterator[None]:
    env = {**os.environ, "MANDATE_DATABASE_URL": settings.database_url, "MANDATE_REDIS_URL": settings.redis_url}
    env |= {"MANDATE_DATA_DIR": str(settings.data_dir), "MANDATE_JOBS_BACKEND": "redis", "MANDATE_LOG_LEVEL": "WARNING"}
    env["MANDATE_SECRET_KEY"] = settings.secret_key
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        time.sleep(3)  # let it import and connect before the first job is timed
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)


def redis_available(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1)
        client.ping()
        client.flushdb()
        return True
    except redis.RedisError:
        return False


async def run(tmp: Path, url: str, count: int, pace_s: float) -> list[Row]:
    base = Settings(data_dir=tmp, database_url=url, secret_key="bench-secret", log_level="WARNING", seed_demo=False)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    rows = [row("handler call", await handler_calls(count), None)]
    embedded = build_runtime(base.model_copy(update={"jobs_backend": "sqlite"}))
    inline = await inline_runs(embedded, factory, count)
    rows.append(row("inline run (no queue)", inline, inline))
    embedded.jobs.start_in_process()
    try:
        await queued_runs(embedded, factory, 10, pace_s)  # warm the threads' engines
        rows.append(
            row("embedded (SQLite queue, threads)", await queued_runs(embedded, factory, count, pace_s), inline)
        )
    finally:
        await asyncio.to_thread(embedded.jobs.stop_in_process)
    redis_url = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/15")
    if redis_available(redis_url):
        settings = base.model_copy(update={"jobs_backend": "redis", "redis_url": redis_url})
        remote = build_runtime(settings)
        with worker(settings, tmp / "worker.log"):
            await queued_runs(remote, factory, 10, pace_s)
            rows.append(row("redis (worker process)", await queued_runs(remote, factory, count, pace_s), inline))
    else:
        print(f"redis row skipped: no Redis at {redis_url}")
    await engine.dispose()
    return rows


def print_table(rows: list[Row]) -> None:
    print(f"\n{'mode':<36}{'jobs':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'p50 / inline':>14}")
    for r in rows:
        ratio = f"{r.p50_over_inline:.2f}x" if r.p50_over_inline else "-"
        print(f"{r.mode:<36}{r.jobs:>6}{r.p50_ms:>10.2f}{r.p95_ms:>10.2f}{r.mean_ms:>10.2f}{ratio:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--pace-ms", type=float, default=20)
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    tmp = Path(tempfile.mkdtemp(prefix="mandate-bench-jobs-"))
    url = f"sqlite+aiosqlite:///{tmp / 'mandate.db'}"
    upgrade(url)
    rows = asyncio.run(run(tmp, url, args.jobs, args.pace_ms / 1000))
    print_table(rows)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "jobs.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
