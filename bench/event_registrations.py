"""Benchmark: 200 concurrent public registrations for 50 seats on PostgreSQL, through the real HTTP stack.

Run with ``python -m bench.event_registrations`` (part of ``make bench``); it uses
MANDATE_BENCH_DATABASE_URL (default: the local ``mandate_bench`` database, as ``bench.deals``), a
PostgreSQL database this drops and re-creates (and uses Redis
for jobs and rate limits when MANDATE_BENCH_REDIS_URL is set). Mandate runs under uvicorn on 127.0.0.1
(``--workers`` processes, embedded job threads); each round creates a published event with 50 seats
and fires 200 registrations at once, one connection each. Reported per round: registrations/s
(200 / wall time), p50/p95 latency, and the oversell count (registered rows beyond the capacity;
must be 0). The floor is ``GET /healthz`` under the same 200-way burst on the same server, measured
in the same run. The per-IP registration limit is lifted for the run (every request comes from
127.0.0.1). Performance is measured, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.deals import DEFAULT_PG_URL, Skip, prepare_postgres
from bench.event_seed import Seeded, add_event, seed
from bench.servers import clean_env, uvicorn_server

PG_ENV = "MANDATE_BENCH_DATABASE_URL"
REDIS_ENV = "MANDATE_BENCH_REDIS_URL"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
SEATS = 50
REGISTRATIONS = 200
TARGET_PER_S = 300


@dataclass
class Burst:
    name: str
    requests: int
    wall_s: float
    per_s: float
    p50_ms: float
    p95_ms: float
    statuses: dict[str, int]
    registered_rows: int | None = None
    oversell: int | None = None


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def burst(name: str, base_url: str, requests: list[tuple[str, str, dict[str, object] | None]]) -> Burst:
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=120, limits=limits) as client:
        start = asyncio.Event()

        async def one(method: str, path: str, body: dict[str, object] | None) -> tuple[float, str]:
            await start.wait()
            began = time.perf_counter()
            response = await client.request(method, path, json=body)
            elapsed = (time.perf_counter() - began) * 1000
            label = (
                response.json().get("status", str(response.status_code))
                if response.status_code == 201
                else str(response.status_code)
            )
            return elapsed, label

        tasks = [asyncio.create_task(one(*r)) for r in requests]
        await asyncio.sleep(0.2)  # every task is waiting on the start line
        began = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
    latencies = [r[0] for r in results]
    return Burst(
        name,
        len(requests),
        wall,
        len(requests) / wall,
        statistics.median(latencies),
        _percentile(latencies, 95),
        dict(Counter(r[1] for r in results)),
    )


def registered_rows(url: str, slug: str) -> int:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT count(*) FROM attendees a JOIN events e ON e.id = a.event_id "
                "WHERE e.slug = :slug AND a.status IN ('registered', 'checked_in')"
            )
            return int(conn.execute(query, {"slug": slug}).scalar_one())
    finally:
        engine.dispose()


@contextmanager
def job_worker(env: dict[str, str], enabled: bool, log: Path) -> Iterator[None]:
    """Production shape: jobs leave the web processes for a `mandate worker` of their own."""
    if not enabled:
        yield
        return
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mandate.cli", "worker", "--workers", "2"],
            env=clean_env(env),
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)


def run(url: str, rounds: int, workers: int, logs: Path, *, separate_worker: bool = False) -> list[Burst]:
    from mandate.migrate import upgrade

    prepare_postgres(url)
    upgrade(url)
    seeded: Seeded = asyncio.run(seed(url, capacity=SEATS))
    out: list[Burst] = []
    with tempfile.TemporaryDirectory(prefix="mandate-bench-registrations-") as tmp:
        env = {
            "MANDATE_DATABASE_URL": url,
            "MANDATE_DATA_DIR": tmp,
            "MANDATE_SECRET_KEY": secrets.token_urlsafe(32),
            "MANDATE_LOG_LEVEL": "WARNING",
            "MANDATE_SEED_DEMO": "false",
            "MANDATE_EVENT_REGISTRATIONS_PER_IP": "1000000 per minute",
        }
        if redis_url := os.environ.get(REDIS_ENV):  # production shape: jobs and rate limits on Redis
            env["MANDATE_REDIS_URL"] = redis_url
        if separate_worker:
            env["MANDATE_JOBS_IN_PROCESS"] = "false"
        with (
            job_worker(env, separate_worker, logs / "registrations-worker.log"),
            uvicorn_server("registrations", "mandate.app:create_app", env=env, log_dir=logs, workers=workers) as app,
        ):
            for n in range(rounds + 1):  # round 0 warms the workers up and is not reported
                floor = asyncio.run(
                    burst("floor: GET /healthz", app.base_url, [("GET", "/healthz", None)] * REGISTRATIONS)
                )
                slug = f"round-{n}"
                _event_id, ticket_type_id = asyncio.run(add_event(url, seeded.org_id, slug, capacity=SEATS))
                path = f"/api/public/events/{seeded.org_slug}/{slug}/registrations"
                bodies: list[tuple[str, str, dict[str, object] | None]] = [
                    (
                        "POST",
                        path,
                        {
                            "name": f"Guest {i}",
                            "email": f"r{n}-{i}@bench.example",
                            "ticket_type_id": str(ticket_type_id),
                        },
                    )
                    for i in range(REGISTRATIONS)
                ]
                result = asyncio.run(burst("registrations", app.base_url, bodies))
                result.registered_rows = registered_rows(url, slug)
                result.oversell = max(result.registered_rows - SEATS, 0)
                if n:
                    out += [floor, result]
                print(f"  round {n}{' (warm-up)' if not n else ''}: {result.per_s:,.0f} registrations/s", flush=True)
    return out


def render(rows: list[Burst]) -> str:
    header = ("burst", "requests", "wall s", "per s", "p50 ms", "p95 ms", "outcomes", "oversell")
    lines = [
        (
            r.name,
            str(r.requests),
            f"{r.wall_s:.2f}",
            f"{r.per_s:,.0f}",
            f"{r.p50_ms:.0f}",
            f"{r.p95_ms:.0f}",
            ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items())),
            "" if r.oversell is None else str(r.oversell),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([fmt(header), "-+-".join("-" * w for w in widths), *(fmt(line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_registrations", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--jobs",
        choices=("in-process", "worker"),
        default="in-process",
        help="job threads inside the web processes (embedded default) or a separate `mandate worker` (production)",
    )
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "event_registrations.json")
    args = parser.parse_args(argv)
    url = os.environ.get(PG_ENV) or DEFAULT_PG_URL
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        rows = run(url, args.rounds, args.workers, logs, separate_worker=args.jobs == "worker")
    except Skip as exc:
        print(f"SKIPPED: {exc}")
        return 0
    print()
    print(render(rows))
    regs = [r for r in rows if r.oversell is not None]
    oversold = sum(r.oversell or 0 for r in regs)
    best = statistics.median(r.per_s for r in regs)
    print(
        f"Verdict: oversell {oversold} (must be 0); median {best:,.0f} registrations/s "
        f"(target >= {TARGET_PER_S}): {'MEETS' if oversold == 0 and best >= TARGET_PER_S else 'MISSES'}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"benchmark": "event_registrations", "results": [asdict(r) for r in rows]}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
