"""Benchmark: a 30-page document exported to PDF through the real queue, beside rendering the same
PDF directly with WeasyPrint in the same run.

Run with ``python -m bench.document_export`` (part of ``make bench``). Rows, all measured in this run:

- ``direct WeasyPrint render``: `render_export` of the export's snapshot, called in this process
  (Markdown -> sanitised HTML -> WeasyPrint PDF): the floor any export pays.
- ``export through the queue``: the request's service call committed (export row + job row),
  handed to Huey on its own SQLite file, run by consumer threads inside this process (``make run``),
  the file stored; measured from the commit until the export row reads ``succeeded``.

Rounds alternate (direct, queued, queued, direct) so drift on a shared machine hits both sides.
The target is a ratio of at most 1.5; performance is measured, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from mandate.account.models import User
from mandate.authz.context import OrgContext
from mandate.authz.roles import Role
from mandate.config import Settings
from mandate.document.exports import service
from mandate.document.exports.models import DocumentExport, ExportFormat
from mandate.document.exports.render import ExportSource, render_export
from mandate.document.exports.schemas import ExportCreate
from mandate.document.models import Document
from mandate.kit.db import create_engine, create_session_factory, utcnow
from mandate.kit.logging import configure_logging
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import set_organization
from mandate.migrate import upgrade
from mandate.organization.service import create_organization
from mandate.runtime import Runtime, attach, build_runtime

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "bench"
PAGES = 30


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float  # this process's CPU (all threads) over the span: steadier than wall time on a busy box


@dataclass
class Row:
    mode: str
    runs: int
    p50_ms: float
    min_ms: float
    cpu_p50_ms: float
    p50_over_direct: float
    cpu_over_direct: float


def row(mode: str, samples: list[Sample], direct: list[Sample]) -> Row:
    wall = statistics.median(s.wall_ms for s in samples)
    cpu = statistics.median(s.cpu_ms for s in samples)
    base_wall = statistics.median(s.wall_ms for s in direct)
    base_cpu = statistics.median(s.cpu_ms for s in direct)
    return Row(mode, len(samples), wall, min(s.wall_ms for s in samples), cpu, wall / base_wall, cpu / base_cpu)


class Timer:
    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample = Sample((time.perf_counter() - self.wall) * 1000, (time.process_time() - self.cpu) * 1000)


def content(pages: int) -> str:
    """`pages` sections, each opening a new page ("---") and filling most of it."""
    text = " ".join(["The buyer shall have access to the data room and management during due diligence."] * 9)
    table = "| Item | Amount |\n|---|---|\n" + "\n".join(f"| Line {n} | GBP {n * 125_000:,} |" for n in range(1, 9))
    sections = [
        f"## Section {n}\n\n{text}\n\n{table}\n\n- First condition\n- Second condition\n\n{text}"
        for n in range(1, pages + 1)
    ]
    return "# Information memorandum\n\n" + "\n\n---\n\n".join(sections)


async def setup(factory: Any, runtime: Runtime) -> tuple[OrgContext, uuid.UUID]:
    async with attach(factory(), runtime) as session:
        user = User(id=uuid.uuid4(), email="bench@example.com", full_name="Bench", password_hash="x")
        session.add(user)
        org = await create_organization(session, name="Northwind Capital", owner=user)
        org.tier = "enterprise"
        document = Document(organization_id=org.id, title="Project Atlas memorandum", content=content(PAGES))
        session.add(document)
        await session.commit()
    return OrgContext(user=user, organization=org, role=Role.OWNER), document.id


async def queued_export(factory: Any, runtime: Runtime, ctx: OrgContext, document_id: uuid.UUID) -> Sample:
    """From the request's commit until the export reads succeeded."""
    async with attach(factory(), runtime) as session:
        set_organization(session, ctx.organization.id)
        export = await service.request_export(session, ctx, document_id, ExportCreate(format=ExportFormat.PDF))
        await session.commit()
    with Timer() as timer:
        await run_after_commit(session)
        await wait_succeeded(factory, ctx.organization.id, export.id)
    return timer.sample


async def wait_succeeded(factory: Any, org_id: uuid.UUID, export_id: uuid.UUID, timeout_s: float = 300) -> None:
    """Until the committed row says succeeded (polled every 10 ms, so at most that much is added)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with factory() as session:
            set_organization(session, org_id)
            status = await session.scalar(select(DocumentExport.status).where(DocumentExport.id == export_id))
        if status == "failed":
            raise RuntimeError("the export failed")
        if status == "succeeded":
            return
        await asyncio.sleep(0.01)
    raise RuntimeError(f"the export did not finish within {timeout_s}s")


def direct_render(source: ExportSource) -> tuple[Sample, bytes]:
    with Timer() as timer:
        data = render_export(source, ExportFormat.PDF)
    return timer.sample, data


async def run(tmp: Path, url: str, rounds: int) -> tuple[list[Row], int]:
    settings = Settings(
        data_dir=tmp,
        database_url=url,
        secret_key="bench-secret",
        log_level="WARNING",
        seed_demo=False,
        jobs_backend="sqlite",
    )
    engine = create_engine(url)
    factory = create_session_factory(engine)
    runtime = build_runtime(settings)
    ctx, document_id = await setup(factory, runtime)
    async with factory() as session:
        set_organization(session, ctx.organization.id)
        document = await session.get(Document, document_id)
        assert document is not None
    source = ExportSource(
        title=document.title,
        content=document.content,
        organization=ctx.organization.name,
        version=1,
        exported_on=utcnow().date(),
    )
    runtime.jobs.start_in_process()
    direct: list[Sample] = []
    queued: list[Sample] = []
    try:
        await queued_export(factory, runtime, ctx, document_id)  # warm the threads, fonts and engines
        _ms, pdf = direct_render(source)
        for _ in range(rounds):
            direct.append(direct_render(source)[0])
            queued.append(await queued_export(factory, runtime, ctx, document_id))
            queued.append(await queued_export(factory, runtime, ctx, document_id))
            direct.append(direct_render(source)[0])
    finally:
        await asyncio.to_thread(runtime.jobs.stop_in_process)
        await runtime.close()
        await engine.dispose()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return [row("direct WeasyPrint render", direct, direct), row("export through the queue", queued, direct)], pages


def print_table(rows: list[Row], pages: int) -> None:
    print(f"\n{pages}-page document to PDF")
    head = (
        f"{'mode':<28}{'runs':>5}{'p50 ms':>9}{'min ms':>9}{'CPU p50 ms':>12}{'p50 / direct':>14}{'CPU / direct':>14}"
    )
    print(head)
    for r in rows:
        print(
            f"{r.mode:<28}{r.runs:>5}{r.p50_ms:>9.0f}{r.min_ms:>9.0f}{r.cpu_p50_ms:>12.0f}"
            f"{r.p50_over_direct:>13.2f}x{r.cpu_over_direct:>13.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4, help="each round: 2 direct renders and 2 queued exports")
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    tmp = Path(tempfile.mkdtemp(prefix="mandate-bench-export-"))
    url = f"sqlite+aiosqlite:///{tmp / 'mandate.db'}"
    upgrade(url)
    rows, pages = asyncio.run(run(tmp, url, args.rounds))
    print_table(rows, pages)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "document_export.json").write_text(
        json.dumps({"pages": pages, "rows": [asdict(r) for r in rows]}, indent=2)
    )


if __name__ == "__main__":
    main()
