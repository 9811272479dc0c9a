"""The export job's state changes and live events, and the sweep that deletes expired files."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from mandate.kit.db import utcnow
from tests.document.exports.conftest import (
    EXPORTS,
    create_document,
    export_of,
    start_export,
)
from tests.helpers.api import assert_problem
from tests.helpers.fixtures import LiveCapture, OrgFactory

pytestmark = pytest.mark.anyio


def _statuses(events: list[Any], job_id: str) -> list[str]:
    found = [json.loads(e.data) for e in events if e.type == "document.export"]
    return [d["status"] for d in found if d["job_id"] == job_id]


class TestExportJob:
    async def test_status_moves_queued_running_succeeded_with_a_live_event_each(
        self, orgs: OrgFactory, capture_live_events: LiveCapture
    ) -> None:
        org = await orgs.create(tier="professional", roles=("owner",))
        doc = await create_document(org.owner.client)
        await capture_live_events.watch(f"document:{doc['id']}")
        job_id = await start_export(org.owner.client, doc["id"], "docx")
        assert _statuses(await capture_live_events.events(), job_id) == ["queued", "running", "succeeded"]
        made = await export_of(org.owner.client, job_id)
        assert made["started_at"] <= made["finished_at"]
        job = (await org.owner.client.get(f"/api/jobs/{job_id}")).json()
        assert job["status"] == "succeeded" and job["download_url"]


class TestExpiry:
    async def test_the_tick_deletes_expired_files_and_marks_them_expired(
        self, orgs: OrgFactory, capture_live_events: LiveCapture
    ) -> None:
        app = orgs.app
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        old_job = await start_export(org.owner.client, doc["id"], "md")
        fresh_job = await start_export(org.owner.client, doc["id"], "md")
        files = app.state.runtime.storage
        keys = {j: f"document-exports/{org.id}/{await _export_id(app, org.id, j)}.md" for j in (old_job, fresh_job)}
        assert all([await files.exists(k) for k in keys.values()])
        sweep = app.state.runtime.jobs.threads.sweep
        await asyncio.to_thread(sweep)  # nothing expired: no job is started
        assert (await export_of(org.owner.client, old_job))["status"] == "succeeded"
        assert await _expiry_runs(app) == []

        await _expire(app, org.id, old_job)
        await capture_live_events.watch(f"document:{doc['id']}")
        await asyncio.to_thread(sweep)  # the tick starts the expiry job (run at once by the unit-test queue)
        assert not await files.exists(keys[old_job])
        assert await files.exists(keys[fresh_job])
        assert (await export_of(org.owner.client, old_job))["status"] == "expired"
        assert (await export_of(org.owner.client, fresh_job))["status"] == "succeeded"
        assert _statuses(await capture_live_events.events(), old_job) == ["expired"]
        assert_problem(await org.owner.client.get(f"{EXPORTS}/{old_job}/download"), 410, "export_expired")
        assert (await org.owner.client.get(f"/api/jobs/{old_job}")).json()["download_url"] is None
        assert (await org.owner.client.get(f"/api/jobs/{fresh_job}")).json()["download_url"]
        assert await _expiry_runs(app) == [("succeeded", {"expired": 1})]
        await asyncio.to_thread(sweep)  # nothing left to expire: no second run
        assert len(await _expiry_runs(app)) == 1


class TestDeletingTheDocument:
    async def test_its_stored_export_files_are_deleted_after_commit(self, orgs: OrgFactory) -> None:
        app = orgs.app
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        kept = await create_document(org.owner.client)
        jobs = [await start_export(org.owner.client, doc["id"], fmt) for fmt in ("md", "html")]
        other = await start_export(org.owner.client, kept["id"], "md")
        files = app.state.runtime.storage
        keys = [await _stored_key(app, org.id, j) for j in jobs]
        other_key = await _stored_key(app, org.id, other)
        assert all([await files.exists(k) for k in keys])

        deleted = await org.owner.client.delete(f"/api/document-generation/documents/{doc['id']}")
        assert deleted.status_code == 204
        assert not any([await files.exists(k) for k in keys])
        assert await files.exists(other_key)


async def _stored_key(app: Any, org_id: uuid.UUID, job_id: str) -> str:
    from sqlalchemy import select

    from mandate.document.exports.models import DocumentExport
    from mandate.kit.tenancy import set_organization

    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        stmt = select(DocumentExport.storage_key).where(DocumentExport.job_id == uuid.UUID(job_id))
        key = await session.scalar(stmt)
        assert key
        return str(key)


async def _expiry_runs(app: Any) -> list[tuple[str, Any]]:
    from sqlalchemy import select

    from mandate.document.tasks import EXPIRE_JOB
    from mandate.jobs.models import Job

    async with app.state.session_factory() as session:
        rows = await session.execute(select(Job.status, Job.result).where(Job.name == EXPIRE_JOB))
        return [(status, result) for status, result in rows]


async def _export_id(app: Any, org_id: uuid.UUID, job_id: str) -> uuid.UUID:
    from sqlalchemy import select

    from mandate.document.exports.models import DocumentExport
    from mandate.kit.tenancy import set_organization

    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        found = await session.scalar(select(DocumentExport.id).where(DocumentExport.job_id == uuid.UUID(job_id)))
        assert found is not None
        return found


async def _expire(app: Any, org_id: uuid.UUID, job_id: str) -> None:
    from sqlalchemy import update

    from mandate.document.exports.models import DocumentExport
    from tests.helpers.api import run_in_org

    query = update(DocumentExport).where(DocumentExport.job_id == uuid.UUID(job_id))
    await run_in_org(app, org_id, query.values(expires_at=utcnow() - timedelta(minutes=1)))
