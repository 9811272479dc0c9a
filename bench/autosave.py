"""Benchmark: the editor's autosave, `PATCH /api/document-generation/documents/{id}/content`.

Run with ``make bench`` (``python -m bench.autosave``). For each database backend (SQLite always;
PostgreSQL when reachable) it migrates a fresh database, creates an organization with one
document per editor, starts Mandate under uvicorn (one worker), and has 20 concurrent editors
save their own document over and over, each save carrying the version the previous one returned
(the editor's compare-and-set). The floor is a bare Starlette app that parses the same request
body and answers the next version, loaded in interleaved rounds with the same clients, so the
ratio shows what saving costs beyond HTTP and JSON.

Performance is measured, not asserted: the exit status is non-zero only when the harness fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.deals import PASSWORD, Row, git, prepared_database, run_backends
from bench.floor_app import BODY_ENV
from bench.load import LoadConfig, Sender, Target, measure
from bench.servers import uvicorn_server

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
SAVE_PATH = "/api/document-generation/documents/{id}/content"

# A memo of about 6 KB: what an editor sends on every save.
PARAGRAPH = (
    "The target's recurring revenue grew 18% in the last financial year, with net retention above 110%. "
    "Management expects margins to expand as the new distribution centre comes on line. "
)
MEMO = "# Investment committee memo\n\n" + "\n\n".join(f"## Section {i}\n\n{PARAGRAPH * 3}" for i in range(1, 9))


async def seed(database_url: str, editors: int) -> tuple[str, list[uuid.UUID]]:
    """A starter organization with one document per editor; an API token to save with."""
    from mandate.account.service import create_user
    from mandate.authz.context import OrgContext
    from mandate.authz.roles import Role
    from mandate.document import service as document_service
    from mandate.document.schemas import DocumentCreate
    from mandate.kit.db import create_engine, create_session_factory
    from mandate.organization.service import create_organization, create_token

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            owner = await create_user(session, email="owner@bench.example", password=PASSWORD, full_name="Bench Owner")
            org = await create_organization(session, name="Bench Capital", owner=owner)
            org.tier = "starter"
            ctx = OrgContext(user=owner, organization=org, role=Role.OWNER)
            ids = []
            for i in range(editors):
                document = await document_service.create(
                    session, ctx, DocumentCreate(title=f"Memo {i:02d}", content=MEMO)
                )
                ids.append(document.id)
            _token, secret = await create_token(session, ctx, name="bench", expires_at=None)
            secret_text: str = secret
            await session.commit()
            return secret_text, ids
    finally:
        await engine.dispose()


def saver(document_ids: list[uuid.UUID], first_version: int) -> Sender:
    """Each client edits its own document and carries the version the last save returned."""
    versions = [first_version] * len(document_ids)

    async def send(index: int, client: httpx.AsyncClient) -> httpx.Response:
        document_id = document_ids[index]
        edit = f"{MEMO}\n\nEdit {versions[index]}: the board asked for a sensitivity table."
        response = await client.patch(
            SAVE_PATH.format(id=document_id), json={"content": edit, "base_version": versions[index]}
        )
        if response.status_code == 200:
            versions[index] = response.json()["version"]
        return response

    return send


def bench_backend(backend: str, config: LoadConfig, work: Path, logs: Path) -> list[Row]:
    with prepared_database(backend, work) as url:
        token, document_ids = asyncio.run(seed(url, config.concurrency))
        headers = {"Authorization": f"Bearer {token}"}
        app_env = {
            "MANDATE_DATABASE_URL": url,
            "MANDATE_DATA_DIR": str(work / "data"),
            "MANDATE_SECRET_KEY": secrets.token_urlsafe(32),
            "MANDATE_LOG_LEVEL": "WARNING",
            "MANDATE_SEED_DEMO": "false",
        }
        body_file = work / "floor-body.json"
        body_file.write_bytes(b"{}")
        with (
            uvicorn_server(f"mandate-{backend}", "mandate.app:create_app", env=app_env, log_dir=logs) as app,
            uvicorn_server(
                f"floor-{backend}", "bench.floor_app:create_app", env={BODY_ENV: str(body_file)}, log_dir=logs
            ) as floor_server,
        ):
            print(f"  {backend}: {config.concurrency} editors saving in turns with the floor ...", flush=True)
            results = asyncio.run(
                measure(
                    [
                        Target(
                            "floor",
                            floor_server.base_url,
                            SAVE_PATH,
                            cpu_seconds=floor_server.cpu_seconds,
                            send=saver(document_ids, 1),
                        ),
                        Target(
                            "mandate",
                            app.base_url,
                            SAVE_PATH,
                            headers,
                            cpu_seconds=app.cpu_seconds,
                            send=saver(document_ids, 1),
                        ),
                    ],
                    config,
                )
            )
    floor, mandate = results["floor"], results["mandate"]
    return [Row.of(backend, "starlette floor", floor, None), Row.of(backend, "mandate", mandate, floor)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.autosave", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="measured saves per target")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured saves first")
    parser.add_argument("--editors", type=int, default=20, help="concurrent editors, one document each")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved floor/app rounds per backend")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase before stopping early")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "autosave.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = LoadConfig(
        requests=args.requests,
        warmup=args.warmup,
        concurrency=args.editors,
        rounds=args.rounds,
        time_limit_s=args.time_limit,
    )
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"}:
        print(f"unknown backend in {args.backends}", file=sys.stderr)
        return 2
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(
        f"Autosave PATCH: {config.requests} saves per target after {config.warmup} warm-up, "
        f"{config.concurrency} editors on separate documents, {config.rounds} interleaved rounds, 127.0.0.1",
        flush=True,
    )
    started = time.perf_counter()
    rows, skipped = run_backends("autosave", backends, lambda backend, work: bench_backend(backend, config, work, logs))
    report = {
        "benchmark": "autosave",
        "measured_at": datetime.now(UTC).isoformat(),
        "duration_s": round(time.perf_counter() - started, 1),
        "git_commit": git("rev-parse", "HEAD"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "config": asdict(config),
        "results": [asdict(r) for r in rows],
        "skipped": skipped,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
