"""Benchmark: CSV export of an event's attendees through the API, beside a raw dump of the same rows.

Run with ``python -m bench.event_export`` (part of ``make bench``). For 10,000 and 100,000 attendees
on SQLite and on PostgreSQL (MANDATE_BENCH_DATABASE_URL, default the local ``mandate_bench`` database,
which this drops and re-creates) it seeds a fresh database, times the raw dump (``sqlite3 -csv`` /
``COPY ... TO STDOUT``; on SQLite also the stdlib sqlite3 module streaming into csv.writer, the floor of
any Python server), then starts Mandate under uvicorn (one worker) and times ``GET /api/events/{id}/attendees/export``
read to the end over HTTP. The server's peak RSS (Linux VmHWM) is read after the exports; a fresh
server per size shows whether memory grows with N. Targets: API/raw time ratio <= 3, peak RSS < 150 MB.

Performance is measured, not asserted: the exit status is non-zero only when the harness fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bench.deals import DEFAULT_PG_URL, Skip, prepare_postgres
from bench.event_seed import seed
from bench.servers import uvicorn_server

PG_ENV = "MANDATE_BENCH_DATABASE_URL"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
TARGET_RATIO = 3.0
TARGET_RSS_MB = 150.0
RAW_QUERY = (
    "SELECT a.id, a.name, a.email, a.company, a.job_title, t.name, a.status, a.source, a.registered_at, "
    "a.checked_in_at, a.cancelled_at, a.waitlist_seq, a.checkin_code, a.notes "
    "FROM attendees a JOIN ticket_types t ON t.id = a.ticket_type_id "
    "WHERE a.event_id = '{event_id}' ORDER BY a.registered_at, a.id"
)


@dataclass
class Row:
    backend: str
    attendees: int
    raw_s: float
    raw_python_s: float | None
    api_s: float
    ratio: float
    ratio_python: float | None
    csv_bytes: int
    rss_before_mb: float
    peak_rss_mb: float


def _proc_kb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _median_time(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        size = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def raw_sqlite(path: Path, event_id: uuid.UUID) -> int:
    query = RAW_QUERY.format(event_id=event_id.hex)
    out = subprocess.run(["sqlite3", "-csv", "-header", str(path), query], capture_output=True, check=True)
    return len(out.stdout)


def raw_sqlite_python(path: Path, event_id: uuid.UUID) -> int:
    """The floor for a Python server: the stdlib sqlite3 module streaming into csv.writer."""
    import csv
    import io
    import sqlite3

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    size = 0
    with sqlite3.connect(path) as conn:
        cursor = conn.execute(RAW_QUERY.format(event_id=event_id.hex))
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    return size


def raw_postgres(url: str, event_id: uuid.UUID) -> int:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    size = 0
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        copy_sql = f"COPY ({RAW_QUERY.format(event_id=event_id)}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with cur.copy(copy_sql) as copy:
            for chunk in copy:
                size += len(chunk)
    return size


def api_export(base_url: str, token: str, event_id: uuid.UUID, expected: int) -> int:
    size = lines = 0
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/events/{event_id}/attendees/export"
    with (
        httpx.Client(base_url=base_url, headers=headers, trust_env=False, timeout=300) as client,
        client.stream("GET", path, params={"format": "csv"}) as response,
    ):
        if response.status_code != 200:
            raise RuntimeError(f"export -> {response.status_code}: {response.read()[:300]!r}")
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    if lines != expected + 1:
        raise RuntimeError(f"export had {lines} lines, expected {expected + 1}")
    return size


def bench_one(backend: str, n: int, work: Path, logs: Path, repeats: int) -> Row:
    from mandate.migrate import upgrade

    data = work / f"{backend}-{n}"
    data.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        db_path = data / "mandate.db"
        url = f"sqlite+aiosqlite:///{db_path}"
    else:
        url = os.environ.get(PG_ENV) or DEFAULT_PG_URL
        prepare_postgres(url)
    upgrade(url)
    seeded = asyncio.run(seed(url, capacity=None, attendees=n))
    raw_python_s: float | None = None
    if backend == "sqlite":
        raw_s, _ = _median_time(lambda: raw_sqlite(db_path, seeded.event_id), repeats)
        raw_python_s, _ = _median_time(lambda: raw_sqlite_python(db_path, seeded.event_id), repeats)
    else:
        raw_s, _ = _median_time(lambda: raw_postgres(url, seeded.event_id), repeats)
    env = {
        "MANDATE_DATABASE_URL": url,
        "MANDATE_DATA_DIR": str(data),
        "MANDATE_SECRET_KEY": secrets.token_urlsafe(32),
        "MANDATE_LOG_LEVEL": "WARNING",
        "MANDATE_SEED_DEMO": "false",
    }
    with uvicorn_server(f"export-{backend}-{n}", "mandate.app:create_app", env=env, log_dir=logs) as server:
        before = _proc_kb(server.pid, "VmRSS") / 1024
        api_s, size = _median_time(lambda: api_export(server.base_url, seeded.token, seeded.event_id, n), repeats)
        peak = _proc_kb(server.pid, "VmHWM") / 1024
    ratio_python = api_s / raw_python_s if raw_python_s else None
    return Row(backend, n, raw_s, raw_python_s, api_s, api_s / raw_s, ratio_python, size, before, peak)


def render(rows: list[Row]) -> str:
    header = (
        "backend",
        "attendees",
        "raw dump s",
        "raw py s",
        "API export s",
        "ratio vs raw",
        "ratio vs py",
        "CSV MB",
        "RSS idle MB",
        "peak RSS MB",
    )
    lines = [
        (
            r.backend,
            f"{r.attendees:,}",
            f"{r.raw_s:.2f}",
            "n/a" if r.raw_python_s is None else f"{r.raw_python_s:.2f}",
            f"{r.api_s:.2f}",
            f"{r.ratio:.2f}x",
            "n/a" if r.ratio_python is None else f"{r.ratio_python:.2f}x",
            f"{r.csv_bytes / 1e6:.1f}",
            f"{r.rss_before_mb:.0f}",
            f"{r.peak_rss_mb:.0f}",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = lambda cells: " | ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([fmt(header), "-+-".join("-" * w for w in widths), *(fmt(line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_export", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "event_export.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = ["sqlite", "postgresql"]
    if shutil.which("sqlite3") is None:
        print("sqlite3 CLI not found: install it for the raw-dump floor")
        return 2
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"mandate-bench-export-{backend}-") as tmp:
            for n in sizes:
                try:
                    rows.append(bench_one(backend, n, Path(tmp), logs, args.repeats))
                    print(f"  {backend} {n:,}: done", flush=True)
                except Skip as exc:
                    print(f"  {backend}: SKIPPED: {exc}", flush=True)
                    break
    print()
    print(render(rows))
    meets = all(r.ratio <= TARGET_RATIO and r.peak_rss_mb < TARGET_RSS_MB for r in rows)
    print(f"Verdict (ratio <= {TARGET_RATIO:g}, peak RSS < {TARGET_RSS_MB:g} MB): {'MEETS' if meets else 'MISSES'}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"benchmark": "event_export", "results": [asdict(r) for r in rows]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
