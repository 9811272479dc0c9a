"""Export rules: who may export, the plan's feature and monthly allowance, the snapshot, retry,
and the state changes every listener hears about."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.billing.entitlements import check_limit, require_feature
from mandate.billing.tiers import Feature, Limit
from mandate.document import service as document_service
from mandate.document.exports import repository
from mandate.document.exports.models import DocumentExport, ExportStatus
from mandate.document.exports.schemas import ExportCreate, ExportOptions
from mandate.document.live import document_channel
from mandate.jobs import enqueue
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, Conflict, Gone, NotFound
from mandate.kit.pagination import Page
from mandate.live import publish
from mandate.organization.models import Organization

EXPORT_JOB = "document.export"
EXPORT_EVENT = "document.export"
KEEP_FILES = timedelta(days=7)


class ExportNotReady(Conflict):
    code = "export_not_ready"
    title = "The export is not ready"


class ExportNotFailed(Conflict):
    code = "export_not_failed"
    title = "Only a failed export can be retried"


class ExportExpired(Gone):
    code = "export_expired"
    title = "The export's file has expired"


def month_of(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) holding `moment`, as [start, end)."""
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def check_allowed(org: Organization, used_this_month: int, *, base_url: str = "") -> None:
    """The plan must include exports and have room for one more this month (402 otherwise)."""
    require_feature(org, Feature.DOCUMENT_EXPORT, base_url=base_url)
    check_limit(org, Limit.DOCUMENT_EXPORTS_PER_MONTH, used_this_month, base_url=base_url)


async def refusal(session: AsyncSession, org: Organization, now: datetime, *, base_url: str = "") -> AppError | None:
    """Why a new export would be refused now, or None: for pages that show the prompt up front."""
    try:
        check_allowed(org, await repository.count_in_month(session, *month_of(now)), base_url=base_url)
    except AppError as error:
        return error
    return None


async def refusal_at_run(session: AsyncSession, org: Organization, export: DocumentExport) -> AppError | None:
    """The worker's check: the plan may have changed since the request. Only exports created ahead of
    this one in its month count, so of many requests racing for the last slots the first ones win."""
    start, end = month_of(export.created_at)
    try:
        check_allowed(org, await repository.count_in_month(session, start, end, before=export))
    except AppError as error:
        return error
    return None


async def _check_room(session: AsyncSession, ctx: OrgContext, base_url: str) -> None:
    used = await repository.count_in_month(session, *month_of(utcnow()))
    check_allowed(ctx.organization, used, base_url=base_url)


def announce(session: AsyncSession, export: DocumentExport) -> None:
    """After commit, on the document's channel: the exports panel refreshes on it."""
    data = {"job_id": str(export.job_id), "document_id": str(export.document_id), "status": export.status}
    publish(session, document_channel(export.document_id), EXPORT_EVENT, data)


async def _queue(
    session: AsyncSession,
    ctx: OrgContext,
    *,
    document_id: uuid.UUID,
    version: int,
    title: str,
    content: str,
    fmt: str,
    options: ExportOptions,
    retry_of: uuid.UUID | None = None,
) -> DocumentExport:
    export = DocumentExport(
        id=uuid.uuid4(),
        organization_id=ctx.organization.id,
        document_id=document_id,
        job_id=uuid.uuid4(),
        format=fmt,
        options=options.model_dump(mode="json"),
        document_version=version,
        title=title,
        content=content,
        status=ExportStatus.QUEUED.value,
        created_by_id=ctx.user.id,
        retry_of=retry_of,
    )
    announce(session, export)  # before the job reaches the queue, so "queued" is heard before "running"
    payload = {"export_id": str(export.id)}
    enqueue(
        session,
        EXPORT_JOB,
        payload,
        organization_id=ctx.organization.id,
        created_by_id=ctx.user.id,
        job_id=export.job_id,
    )
    await session.flush()  # the job row first: the export refers to it
    session.add(export)
    return export


async def request_export(
    session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, data: ExportCreate, *, base_url: str = ""
) -> DocumentExport:
    """Queue a file of the document as it is now: its title and content are copied into the export."""
    document = await document_service.get(session, ctx, document_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    await _check_room(session, ctx, base_url)
    export = await _queue(
        session,
        ctx,
        document_id=document.id,
        version=document.version,
        title=document.title,
        content=document.content,
        fmt=data.format.value,
        options=data.options,
    )
    await session.flush()
    record(
        session,
        ctx,
        "document.export_requested",
        "document",
        document.id,
        {"job_id": str(export.job_id), "format": export.format, "version": export.document_version, **export.options},
    )
    return export


async def get(session: AsyncSession, ctx: OrgContext, job_id: uuid.UUID) -> DocumentExport:
    export = await repository.get_by_job(session, job_id)  # tenant-scoped: another org's is not found
    if export is None:
        raise NotFound("No such export")
    ctx.require(Permission.DOCUMENT_READ)
    return export


async def list_for_document(
    session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[DocumentExport]:
    document = await document_service.get(session, ctx, document_id)
    return await repository.list_for_document(session, document.id, limit=limit, cursor=cursor)


async def retry(session: AsyncSession, ctx: OrgContext, job_id: uuid.UUID, *, base_url: str = "") -> DocumentExport:
    """A failed export again, as a new export of the same snapshot and options."""
    failed = await get(session, ctx, job_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    if failed.status != ExportStatus.FAILED.value:
        raise ExportNotFailed(f"Only a failed export can be retried; this one is {failed.status}.")
    await _check_room(session, ctx, base_url)
    export = await _queue(
        session,
        ctx,
        document_id=failed.document_id,
        version=failed.document_version,
        title=failed.title,
        content=failed.content,
        fmt=failed.format,
        options=ExportOptions.model_validate(failed.options),
        retry_of=failed.job_id,
    )
    await session.flush()
    data = {"job_id": str(export.job_id), "retry_of": str(failed.job_id), "format": export.format}
    record(session, ctx, "document.export_retried", "document", failed.document_id, data)
    return export


def downloadable(export: DocumentExport, now: datetime) -> DocumentExport:
    """The export, if its file can be fetched now: 410 once expired, 409 while not made (or failed)."""
    if export.is_expired(now):
        raise ExportExpired("The file was deleted 7 days after it was made; export the document again")
    if export.status != ExportStatus.SUCCEEDED.value or export.storage_key is None:
        detail = "The export failed; retry it" if export.status == ExportStatus.FAILED.value else "Still exporting"
        raise ExportNotReady(detail, export_status=export.status)
    return export
