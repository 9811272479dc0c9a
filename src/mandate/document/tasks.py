"""Document jobs: an export rendered to a file in storage, and the sweep of expired files."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.document.exports import repository
from mandate.document.exports.models import DELETE_FILES_JOB, DocumentExport, ExportStatus
from mandate.document.exports.render import ExportSource, export_filename, render_export
from mandate.document.exports.schemas import ExportOptions
from mandate.document.exports.service import EXPORT_JOB, KEEP_FILES, announce, refusal_at_run
from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.models import Job
from mandate.jobs.periodic import maintenance
from mandate.jobs.registry import JobResult
from mandate.kit.db import utcnow
from mandate.kit.tenancy import unscoped
from mandate.organization.models import Organization

EXPIRE_JOB = "document.expire_exports"
EXPIRE_BATCH = 200
FAILED = "export_failed"


async def _mark_failed(session: AsyncSession, failed: Job, error: str) -> None:
    """The job gave up: so does its export (an entitlement refusal already said why)."""
    export = await repository.get_by_job(session, failed.id)
    if export is None or export.status in (ExportStatus.SUCCEEDED.value, ExportStatus.FAILED.value):
        return
    export.status, export.finished_at = ExportStatus.FAILED.value, utcnow()
    export.error, export.error_code = error, export.error_code or FAILED
    announce(session, export)


def _result(export: DocumentExport) -> dict[str, Any]:
    file = {"key": export.storage_key, "filename": export.filename, "content_type": export.content_type}
    return {"export_id": str(export.id), "file": {**file, "size_bytes": export.size_bytes}}


async def _start(ctx: JobContext, export: DocumentExport, org: Organization) -> None:
    """Recheck the plan, then show the export as running: both committed before the slow part."""
    refused = await refusal_at_run(ctx.session, org, export)
    async with ctx.separately() as side:
        row = await repository.get_by_job(side, ctx.job.id)
        assert row is not None
        if refused is not None:
            row.status, row.finished_at = ExportStatus.FAILED.value, utcnow()
            row.error, row.error_code = f"{refused.detail}.", refused.code
        elif await repository.mark_running(side, row.id, utcnow()):
            await side.refresh(row)
        announce(side, row)
    if refused is not None:
        raise JobFailed(f"{refused.detail}.")


def _source(export: DocumentExport, org: Organization) -> ExportSource:
    options = ExportOptions.model_validate(export.options)
    return ExportSource(
        title=export.title,
        content=export.content,
        organization=org.name,
        version=export.document_version,
        exported_on=export.created_at.date(),
        page_size=options.page_size,
        cover_page=options.cover_page,
    )


@job(EXPORT_JOB, max_attempts=3, lease_seconds=300, backoff_seconds=5, on_failure=_mark_failed)
async def export_document(ctx: JobContext) -> JobResult:
    export = await repository.get_by_job(ctx.session, ctx.job.id)
    if export is None:
        raise JobFailed("The document was deleted before its export ran.")
    if export.status == ExportStatus.SUCCEEDED.value:
        return _result(export)
    org = await ctx.session.get(Organization, export.organization_id)
    if org is None:
        raise JobFailed("The organization no longer exists.")
    await _start(ctx, export, org)
    fmt = export.export_format
    data = await asyncio.to_thread(render_export, _source(export, org), fmt)
    # One key per export: a run after a crash overwrites its own file, never another export's.
    key = f"document-exports/{export.organization_id}/{export.id}.{fmt.value}"
    await ctx.runtime.storage.put_bytes(key, data, content_type=fmt.content_type)
    await ctx.session.refresh(export)  # the running mark was committed by another session
    finished = utcnow()
    export.status, export.finished_at, export.expires_at = ExportStatus.SUCCEEDED.value, finished, finished + KEEP_FILES
    export.storage_key, export.size_bytes, export.content_type = key, len(data), fmt.content_type
    export.filename = export_filename(export.title, export.document_version, fmt)
    export.error = export.error_code = None
    announce(ctx.session, export)
    return _result(export)


async def _has_expired(session: AsyncSession) -> bool:
    return await repository.has_expired(session, utcnow())


@job(EXPIRE_JOB, max_attempts=3, lease_seconds=300, backoff_seconds=30)
async def expire_exports(ctx: JobContext) -> JobResult:
    """Delete files past their 7 days and mark their exports expired (a batch per run)."""
    expired: list[uuid.UUID] = []
    with unscoped(ctx.session):
        for export in await repository.expired(ctx.session, utcnow(), limit=EXPIRE_BATCH):
            if export.storage_key:
                await ctx.runtime.storage.delete(export.storage_key)  # a missing file is fine
            export.status, export.storage_key = ExportStatus.EXPIRED.value, None
            await _forget_file(ctx.session, export.job_id)
            announce(ctx.session, export)
            expired.append(export.id)
        await ctx.session.flush()
    return {"expired": len(expired)}


async def _forget_file(session: AsyncSession, job_id: uuid.UUID) -> None:
    """The job's status must stop offering a download link for a file that is gone."""
    exported = await session.get(Job, job_id)
    if exported is not None and exported.result and "file" in exported.result:
        exported.result = {k: v for k, v in exported.result.items() if k != "file"}


maintenance(EXPIRE_JOB, _has_expired)


@job(DELETE_FILES_JOB, max_attempts=5, lease_seconds=120, backoff_seconds=30)
async def delete_export_files(ctx: JobContext) -> JobResult:
    """A deleted document's export rows went with it; its stored files go here (missing ones are fine)."""
    keys = [str(key) for key in ctx.job.payload.get("keys", [])]
    for key in keys:
        await ctx.runtime.storage.delete(key)
    return {"deleted": len(keys)}
