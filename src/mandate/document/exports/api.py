"""Document exports over the JSON API: request (202 + job), poll, download, list, retry."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from mandate.authz.dependencies import CurrentOrg
from mandate.document.exports import service
from mandate.document.exports.models import DocumentExport, ExportFormat, ExportStatus
from mandate.document.exports.schemas import ExportCreate, ExportList, ExportOptions, ExportOut
from mandate.jobs.models import JobStatus
from mandate.jobs.schemas import JobAccepted
from mandate.kit.db import utcnow
from mandate.kit.errors import responses
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from mandate.kit.session import DbSession
from mandate.storage import DownloadLinks

PREFIX = "/api/document-generation"
router = APIRouter(prefix=PREFIX, tags=["document exports"])


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


def download_url(export: DocumentExport, request: Request) -> str | None:
    """A short-lived signed link while the file exists, else None."""
    if export.status != ExportStatus.SUCCEEDED.value or export.is_expired(utcnow()) or not export.storage_key:
        return None
    links: DownloadLinks = request.app.state.runtime.downloads
    return links.signed_url(
        export.storage_key, filename=export.filename or "export", content_type=export.content_type or "text/plain"
    )


def export_out(export: DocumentExport, request: Request) -> ExportOut:
    status = ExportStatus.EXPIRED if export.is_expired(utcnow()) else export.export_status
    return ExportOut(
        job_id=export.job_id,
        document_id=export.document_id,
        format=ExportFormat(export.format),
        options=ExportOptions.model_validate(export.options),
        document_version=export.document_version,
        title=export.title,
        status=status,
        created_at=export.created_at,
        started_at=export.started_at,
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        size_bytes=export.size_bytes,
        filename=export.filename,
        download_url=download_url(export, request),
        error=export.error,
        error_code=export.error_code,
        retry_of=export.retry_of,
    )


def _accepted(export: DocumentExport) -> JobAccepted:
    return JobAccepted(job_id=export.job_id, status=JobStatus.QUEUED, poll_url=f"{PREFIX}/exports/{export.job_id}")


@router.post(
    "/documents/{document_id}/exports",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(401, 402, 403, 404, 422),
)
async def request_export(
    document_id: uuid.UUID, body: ExportCreate, ctx: CurrentOrg, db: DbSession, request: Request
) -> JobAccepted:
    """Queue a file of the document as it is now (later edits do not change it); poll `poll_url`."""
    return _accepted(await service.request_export(db, ctx, document_id, body, base_url=_base(request)))


@router.get("/documents/{document_id}/exports", response_model=ExportList, responses=responses(401, 403, 404, 422))
async def list_exports(
    document_id: uuid.UUID,
    ctx: CurrentOrg,
    db: DbSession,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ExportList:
    page = await service.list_for_document(db, ctx, document_id, limit=limit, cursor=cursor)
    return ExportList(items=[export_out(e, request) for e in page.items], next_cursor=page.next_cursor)


@router.get("/exports/{job_id}", response_model=ExportOut, responses=responses(401, 403, 404))
async def get_export(job_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request) -> ExportOut:
    return export_out(await service.get(db, ctx, job_id), request)


_REDIRECT: dict[int | str, dict[str, Any]] = {303: {"description": "To the file's short-lived signed link"}}


@router.get(
    "/exports/{job_id}/download",
    status_code=303,
    response_class=RedirectResponse,
    responses={**_REDIRECT, **responses(401, 403, 404, 409, 410)},
)
async def download_export(job_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request) -> Response:
    """Redirects to the file; 409 `export_not_ready` until it is made, 410 `export_expired` after 7 days."""
    export = service.downloadable(await service.get(db, ctx, job_id), utcnow())
    url = download_url(export, request)
    assert url is not None  # downloadable() checked the file exists
    return RedirectResponse(url, status_code=303)


@router.post(
    "/exports/{job_id}/retry",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(401, 402, 403, 404, 409),
)
async def retry_export(job_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request) -> JobAccepted:
    """A failed export again: a new export (new `job_id`) of the same version and options."""
    return _accepted(await service.retry(db, ctx, job_id, base_url=_base(request)))
