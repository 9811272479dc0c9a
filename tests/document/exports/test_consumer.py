"""Exports through a real queue and consumer (Huey on SQLite and on Redis): the files read back with
pypdf and python-docx, and a worker killed mid-export still ends with exactly one succeeded export."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select, update

from mandate.config import Settings
from mandate.document.exports.models import DocumentExport
from mandate.jobs.models import Job
from mandate.kit.db import utcnow
from mandate.kit.tenancy import set_organization
from tests.document.exports.conftest import CONTENT, create_document, export_of, fetch_file, pdf_text, start_export
from tests.helpers.fixtures import OrgFactory
from tests.helpers.live import ROOT

pytestmark = pytest.mark.anyio
WAIT_SECONDS = 90
MARKER_ENV = "MANDATE_TEST_STALL_MARKER"  # read by tests.document.exports.stall in the worker
WORKER_COMMAND = (
    "import sys, tests.document.exports.stall; from mandate.cli import main; raise SystemExit(main(sys.argv[1:]))"
)


@pytest.fixture(params=["sqlite", "redis"])
def queue_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "redis" and not settings.redis_url:
        pytest.skip("the Redis queue needs a server: set MANDATE_TEST_REDIS_URL")
    return settings.model_copy(update={"jobs_backend": request.param, "jobs_in_process": False})


async def _app(settings: Settings) -> AsyncIterator[OrgFactory]:
    from mandate.app import create_app

    app = create_app(settings)
    async with LifespanManager(app):
        factory = OrgFactory(app)
        yield factory
        for c in factory.clients:
            await c.aclose()


@pytest.fixture
async def embedded(queue_settings: Settings) -> AsyncIterator[OrgFactory]:
    """The app with consumer threads inside it (the embedded run mode)."""
    async for factory in _app(queue_settings.model_copy(update={"jobs_in_process": True})):
        yield factory


@pytest.fixture
async def producer(queue_settings: Settings) -> AsyncIterator[OrgFactory]:
    """The app without consumer threads: jobs wait for a `mandate worker` process."""
    async for factory in _app(queue_settings):
        yield factory


async def wait_until_finished(orgs: OrgFactory, client: Any, job_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        export = await export_of(client, job_id)
        if export["status"] in ("succeeded", "failed"):
            return export
        await asyncio.sleep(0.1)  # another thread or process is doing the work
    pytest.fail(f"export {job_id} never finished")


def long_content(sections: int) -> str:
    paragraph = " ".join(["The parties shall negotiate the definitive agreement in good faith."] * 8)
    parts = [f"## Section {n}\n\n{paragraph}\n\n{paragraph}" for n in range(1, sections + 1)]
    return "# Information memorandum\n\n" + "\n\n---\n\n".join(parts)


class TestThroughTheQueue:
    async def test_pdf_has_letterhead_headings_table_and_page_numbers(self, embedded: OrgFactory) -> None:
        org = await embedded.create(tier="starter", roles=("owner",), name="Northwind Capital")
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "pdf")
        export = await wait_until_finished(embedded, org.owner.client, job_id)
        assert export["status"] == "succeeded", export["error"]
        data = await fetch_file(org.owner.client, job_id)
        assert data.startswith(b"%PDF") and export["size_bytes"] == len(data)
        pages, text = pdf_text(data)
        assert pages == 1
        for expected in ("Northwind Capital", "Atlas LOI", "Heads of terms", "Consideration", "Conditions"):
            assert expected in text
        assert "GBP 12,500,000" in text and "Board approval" in text and "Page 1 of 1" in text

    async def test_a_long_document_spans_its_pages_and_a_cover_page_adds_one(self, embedded: OrgFactory) -> None:
        org = await embedded.create(tier="professional", roles=("owner",))
        doc = await create_document(org.owner.client, content=long_content(12))
        plain = await start_export(org.owner.client, doc["id"], "pdf")
        covered = await start_export(org.owner.client, doc["id"], "pdf", cover_page=True, page_size="Letter")
        for job_id in (plain, covered):
            assert (await wait_until_finished(embedded, org.owner.client, job_id))["status"] == "succeeded"
        pages, text = pdf_text(await fetch_file(org.owner.client, plain))
        # 12 sections, each started on a new page ("---"), each well under a page long
        assert pages == 12 and "Section 12" in text and "Page 12 of 12" in text
        cover_pages, cover_text = pdf_text(await fetch_file(org.owner.client, covered))
        assert cover_pages == 13 and "Page 13 of 13" in cover_text

    async def test_docx_has_word_heading_styles_lists_and_a_real_table(self, embedded: OrgFactory) -> None:
        org = await embedded.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "docx")
        assert (await wait_until_finished(embedded, org.owner.client, job_id))["status"] == "succeeded"
        word = docx.Document(io.BytesIO(await fetch_file(org.owner.client, job_id)))
        styled = [(p.style.name, p.text) for p in word.paragraphs if p.text]
        assert ("Title", "Atlas LOI") in styled
        assert ("Heading 1", "Heads of terms") in styled and ("Heading 2", "Consideration") in styled
        assert ("List Bullet", "Board approval") in styled and ("List Number 2", "Financial") in styled
        (table,) = word.tables
        assert [c.text for c in table.rows[1].cells] == ["Cash at completion", "GBP 12,500,000"]
        assert CONTENT  # the same source as the PDF test


@contextmanager
def worker_process(settings: Settings, log_path: Path, marker: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "MANDATE_DATABASE_URL": settings.database_url,
        "MANDATE_DATA_DIR": str(settings.data_dir),
        "MANDATE_REDIS_URL": settings.redis_url,
        "MANDATE_SECRET_KEY": settings.secret_key,
        "MANDATE_JOBS_BACKEND": settings.jobs_backend,
        MARKER_ENV: str(marker),
    }
    with log_path.open("ab") as log:
        command = [sys.executable, "-c", WORKER_COMMAND, "worker"]
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


async def _wait_for(path: Path) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not path.exists():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"{path} was never written")
        await asyncio.sleep(0.05)


async def _exports_of(orgs: OrgFactory, org_id: uuid.UUID) -> list[tuple[str, int]]:
    async with orgs.app.state.session_factory() as session:
        set_organization(session, org_id)
        rows = await session.execute(select(DocumentExport.status, func.count()).group_by(DocumentExport.status))
        return sorted((status, int(n)) for status, n in rows)


class TestKilledWorker:
    async def test_an_export_whose_worker_dies_after_writing_the_file_succeeds_exactly_once(
        self, producer: OrgFactory, queue_settings: Settings, tmp_path: Path
    ) -> None:
        org = await producer.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        marker = tmp_path / "stalled"
        with worker_process(queue_settings, tmp_path / "first-worker.log", marker) as first:
            job_id = await start_export(org.owner.client, doc["id"], "pdf")
            await _wait_for(marker)  # the file is stored; the transaction that records it is open
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        stuck = await export_of(org.owner.client, job_id)
        assert stuck["status"] == "running" and stuck["size_bytes"] is None
        files = producer.app.state.runtime.storage
        key = marker.read_text()
        assert await files.exists(key)
        # As if the lease ran out (it is minutes long): the sweeper hands the job to a live worker.
        expire_lease = update(Job).where(Job.id == uuid.UUID(job_id)).values(locked_until=utcnow())
        async with producer.app.state.session_factory() as session:
            await session.execute(expire_lease)
            await session.commit()
        with worker_process(queue_settings, tmp_path / "second-worker.log", marker):
            assert await asyncio.to_thread(producer.app.state.runtime.jobs.threads.sweep) == 1
            export = await wait_until_finished(producer, org.owner.client, job_id)
        assert export["status"] == "succeeded"
        job = (await org.owner.client.get(f"/api/jobs/{job_id}")).json()
        assert (job["status"], job["attempts"]) == ("succeeded", 2)
        assert await _exports_of(producer, org.id) == [("succeeded", 1)]
        stored = sorted(
            p.name for p in (queue_settings.data_dir / "files" / "document-exports" / str(org.id)).iterdir()
        )
        assert stored == [Path(key).name]  # the second attempt wrote the same key again
        assert (await fetch_file(org.owner.client, job_id)).startswith(b"%PDF")
