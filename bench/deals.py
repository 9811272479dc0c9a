"""Benchmark: GET /api/deals (50 deals) against a bare Starlette floor, both over real HTTP.

Run with ``make bench`` (``python -m bench.deals``). For each database backend (SQLite always;
PostgreSQL when reachable) it migrates a fresh database, creates an organization with 50 deals
through the service layer and an API token, starts Mandate under uvicorn (one worker), captures
the exact response body, starts the floor app serving those bytes from memory, and loads both in
interleaved rounds with the same closed-loop client. It prints a table and the verdict against the target
(Mandate p50/p95 at most 3x the floor) and writes ``artifacts/bench/deals.json``.

Performance is measured, not asserted: the exit status is non-zero only when the harness fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench.floor_app import BODY_ENV
from bench.load import LoadConfig, LoadResult, Target, measure
from bench.servers import uvicorn_server

PATH = "/api/deals"
DEAL_COUNT = 50
TARGET_RATIO = 3.0
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mandate_bench"
PG_ENV = "MANDATE_BENCH_DATABASE_URL"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
PASSWORD = "bench-password-not-secret-2026"  # a throwaway local account

STAGES = ["sourcing", "screening", "due_diligence", "negotiation", "closing", "won", "lost"]
INDUSTRIES = ["Logistics", "Healthcare", "Materials", "Fintech", "Energy", "Software", "Consumer"]


class Skip(Exception):
    """A backend that cannot run here; the reason is printed and the run goes on."""


@dataclass
class Row:
    backend: str
    target: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    req_per_s: float
    p50_ratio: float
    p95_ratio: float
    server_cpu_ms_per_request: float | None
    cpu_ratio: float | None
    timed_out: bool

    @classmethod
    def of(cls, backend: str, target: str, result: LoadResult, floor: LoadResult | None) -> Row:
        p50, p95 = result.percentile(50), result.percentile(95)
        base = floor or result
        return cls(
            backend=backend,
            target=target,
            requests=result.requests,
            p50_ms=p50,
            p95_ms=p95,
            p99_ms=result.percentile(99),
            mean_ms=result.mean_ms,
            req_per_s=result.throughput,
            p50_ratio=p50 / base.percentile(50),
            p95_ratio=p95 / base.percentile(95),
            server_cpu_ms_per_request=result.server_cpu_ms_per_request,
            cpu_ratio=_ratio(result.server_cpu_ms_per_request, base.server_cpu_ms_per_request),
            timed_out=result.timed_out,
        )


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


# Database preparation ---------------------------------------------------------------------


def prepare_postgres(url: str) -> None:
    """Drop and re-create the benchmark database; Skip when the server is unreachable."""
    target = make_url(url)
    if not target.database:
        raise Skip(f"{PG_ENV} names no database: {target.render_as_string()}")
    admin_url = target.set(drivername="postgresql+psycopg", database="postgres")
    admin = create_sync_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise Skip(f"PostgreSQL at {admin_url.render_as_string()} not usable: {reason}") from exc
    finally:
        admin.dispose()


async def seed(database_url: str) -> str:
    """An enterprise organization with 50 deals (and a neighbour with its own); an API token."""
    from mandate.account.service import create_user
    from mandate.authz.context import OrgContext
    from mandate.authz.roles import Role
    from mandate.deal import service as deal_service
    from mandate.deal.models import Stage
    from mandate.deal.schemas import DealCreate, MoneyIn
    from mandate.kit.db import create_engine, create_session_factory
    from mandate.kit.tenancy import set_organization
    from mandate.organization.models import Membership
    from mandate.organization.service import create_organization, create_token

    engine = create_engine(database_url)
    today = date.today()
    try:
        async with create_session_factory(engine)() as session:
            owner = await create_user(session, email="owner@bench.example", password=PASSWORD, full_name="Bench Owner")
            org = await create_organization(session, name="Bench Capital", owner=owner)
            org.tier = "enterprise"
            analyst = await create_user(session, email="analyst@bench.example", password=PASSWORD, full_name="Ana Lyst")
            session.add(Membership(organization_id=org.id, user_id=analyst.id, role="member"))
            await session.flush()
            ctx = OrgContext(user=owner, organization=org, role=Role.OWNER)
            for i in range(DEAL_COUNT):
                await deal_service.create(
                    session,
                    ctx,
                    DealCreate(
                        name=f"Project {i:02d}",
                        target_company=f"Target Company {i:02d} Ltd",
                        industry=INDUSTRIES[i % len(INDUSTRIES)],
                        deal_size=MoneyIn(amount_minor=(i + 1) * 1_250_000_00, currency="GBP"),
                        stage=Stage(STAGES[i % len(STAGES)]),
                        owner_id=analyst.id if i % 3 == 1 else owner.id,
                        description=f"Deal {i}: a typical one-paragraph thesis. " * 4,
                        expected_close=today + timedelta(days=30 + i),
                    ),
                )
            _token, secret = await create_token(session, ctx, name="bench", expires_at=None)
            secret_text: str = secret

            # A second tenant, so the tenant filter has rows to exclude.
            other_owner = await create_user(
                session, email="other@bench.example", password=PASSWORD, full_name="Other Owner"
            )
            other = await create_organization(session, name="Other Advisory", owner=other_owner)
            other.tier = "enterprise"
            set_organization(session, other.id)
            other_ctx = OrgContext(user=other_owner, organization=other, role=Role.OWNER)
            for i in range(10):
                await deal_service.create(
                    session, other_ctx, DealCreate(name=f"Other {i}", target_company=f"Other {i}")
                )
            await session.commit()
            return secret_text
    finally:
        await engine.dispose()


# Running ----------------------------------------------------------------------------------


@contextmanager
def prepared_database(backend: str, work: Path) -> Iterator[str]:
    from mandate.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{work / 'data' / 'mandate.db'}"
        (work / "data").mkdir(parents=True, exist_ok=True)
    else:
        url = os.environ.get(PG_ENV) or DEFAULT_PG_URL
        prepare_postgres(url)
    upgrade(url)
    yield url


def fetch_body(base_url: str, headers: dict[str, str]) -> bytes:
    with httpx.Client(base_url=base_url, headers=headers, trust_env=False, timeout=30) as client:
        response = client.get(PATH)
    if response.status_code != 200:
        raise RuntimeError(f"GET {PATH} -> {response.status_code}: {response.text[:500]}")
    items = response.json()["items"]
    if len(items) != DEAL_COUNT:
        raise RuntimeError(f"GET {PATH} returned {len(items)} deals, expected {DEAL_COUNT}")
    return response.content


def bench_backend(backend: str, config: LoadConfig, work: Path, logs: Path) -> list[Row]:
    with prepared_database(backend, work) as url:
        token = asyncio.run(seed(url))
        headers = {"Authorization": f"Bearer {token}"}
        app_env = {
            "MANDATE_DATABASE_URL": url,
            "MANDATE_DATA_DIR": str(work / "data"),
            "MANDATE_SECRET_KEY": secrets.token_urlsafe(32),
            "MANDATE_LOG_LEVEL": "WARNING",
            "MANDATE_SEED_DEMO": "false",
        }
        with uvicorn_server(f"mandate-{backend}", "mandate.app:create_app", env=app_env, log_dir=logs) as app:
            body = fetch_body(app.base_url, headers)
            body_file = work / f"floor-{backend}.json"
            body_file.write_bytes(body)
            print(f"  {backend}: {DEAL_COUNT} deals, {len(body):,} bytes per response", flush=True)
            with uvicorn_server(
                f"floor-{backend}",
                "bench.floor_app:create_app",
                env={BODY_ENV: str(body_file)},
                log_dir=logs,
            ) as floor_server:
                print(f"  {backend}: measuring floor and Mandate in turns ...", flush=True)
                results = asyncio.run(
                    measure(
                        [
                            Target(
                                "floor",
                                floor_server.base_url,
                                PATH,
                                {},
                                len(body),
                                floor_server.cpu_seconds,
                            ),
                            Target("mandate", app.base_url, PATH, headers, len(body), app.cpu_seconds),
                        ],
                        config,
                    )
                )
    floor, mandate = results["floor"], results["mandate"]
    return [
        Row.of(backend, "starlette floor", floor, None),
        Row.of(backend, "mandate", mandate, floor),
    ]


# Reporting --------------------------------------------------------------------------------


def render_table(rows: list[Row]) -> str:
    header = (
        "target",
        "requests",
        "p50 ms",
        "p95 ms",
        "req/s",
        "p50 ratio vs floor",
        "p95 ratio",
        "server CPU ms/req",
        "CPU ratio",
    )
    lines = [
        (
            f"{r.target} ({r.backend})",
            f"{r.requests:,}" + (" (time limit)" if r.timed_out else ""),
            f"{r.p50_ms:.2f}",
            f"{r.p95_ms:.2f}",
            f"{r.req_per_s:,.0f}",
            f"{r.p50_ratio:.2f}x",
            f"{r.p95_ratio:.2f}x",
            "n/a" if r.server_cpu_ms_per_request is None else f"{r.server_cpu_ms_per_request:.2f}",
            "n/a" if r.cpu_ratio is None else f"{r.cpu_ratio:.2f}x",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return " | ".join([first, *rest])

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def verdicts(rows: list[Row]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.target == "mandate":
            meets = r.p50_ratio <= TARGET_RATIO and r.p95_ratio <= TARGET_RATIO
            out[r.backend] = {
                "p50_ratio": r.p50_ratio,
                "p95_ratio": r.p95_ratio,
                "cpu_ratio": r.cpu_ratio,
                "meets": meets,
            }
    return out


def verdict_line(result: dict[str, dict[str, Any]]) -> str:
    if not result:
        return "Verdict: no Mandate measurement."
    parts = [
        f"{backend} p50 {v['p50_ratio']:.2f}x / p95 {v['p95_ratio']:.2f}x " + ("MEETS" if v["meets"] else "MISSES")
        for backend, v in result.items()
    ]
    return f"Verdict (issue 2 target: Mandate/floor ratio <= {TARGET_RATIO:g}): " + "; ".join(parts)


def git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def run_backends(
    name: str, backends: list[str], bench: Callable[[str, Path], list[Row]]
) -> tuple[list[Row], dict[str, str]]:
    """Each backend in a scratch directory; a backend that cannot run here is skipped with its reason.
    Prints the table and the skips."""
    rows: list[Row] = []
    skipped: dict[str, str] = {}
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"mandate-bench-{name}-{backend}-") as tmp:
            try:
                rows += bench(backend, Path(tmp))
            except Skip as exc:
                skipped[backend] = str(exc)
                print(f"  {backend}: SKIPPED: {exc}", flush=True)
    print()
    print(render_table(rows))
    for backend, reason in skipped.items():
        print(f"skipped {backend}: {reason}")
    return rows, skipped


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.deals", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved floor/app rounds per backend")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase before stopping early")
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "deals.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = LoadConfig(
        requests=args.requests,
        warmup=args.warmup,
        concurrency=args.concurrency,
        rounds=args.rounds,
        time_limit_s=args.time_limit,
    )
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        print(f"unknown backend(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(
        f"GET {PATH} ({DEAL_COUNT} deals): {config.requests} requests per target after "
        f"{config.warmup} warm-up, {config.concurrency} concurrent clients, "
        f"{config.rounds} interleaved rounds, 127.0.0.1",
        flush=True,
    )
    started = time.perf_counter()
    rows, skipped = run_backends("deals", backends, lambda backend, work: bench_backend(backend, config, work, logs))
    result = verdicts(rows)
    print(verdict_line(result))
    report = {
        "benchmark": "deals_list",
        "path": PATH,
        "deals": DEAL_COUNT,
        "measured_at": datetime.now(UTC).isoformat(),
        "duration_s": round(time.perf_counter() - started, 1),
        "git_commit": git("rev-parse", "HEAD"),
        "src_modified": bool(git("status", "--porcelain", "--", "src", "migrations")),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": asdict(config),
        "target_ratio": TARGET_RATIO,
        "results": [asdict(r) for r in rows],
        "verdict": result,
        "skipped": skipped,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
