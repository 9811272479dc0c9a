"""The exports panel of a document (HTML): recent exports, their state and download links, and the
export form; the editor page loads it with htmx, and it is a page of its own without JavaScript."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.document import service as document_service
from mandate.document.exports import repository, service
from mandate.document.exports.api import download_url
from mandate.document.exports.models import ExportFormat, ExportStatus
from mandate.document.exports.schemas import ExportCreate, ExportOptions
from mandate.kit.db import utcnow
from mandate.kit.errors import NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.render.page import PageSize
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
PANEL_SIZE = 10
FRAGMENT = "document/_exports_panel.html"


def _base(page: Page) -> str:
    return str(page.request.app.state.settings.base_url)


async def _panel(page: Page, ctx: OrgContext, db: DbSession, document_id: uuid.UUID) -> Response:
    document = await document_service.get(db, ctx, document_id)
    exports = (await repository.list_for_document(db, document.id, limit=PANEL_SIZE, cursor=None)).items
    now = utcnow()
    can_write = ctx.can(Permission.DOCUMENT_WRITE)
    context = page.context(
        document=document,
        exports=exports,
        links={e.id: download_url(e, page.request) for e in exports},
        expired={e.id for e in exports if e.is_expired(now)},
        pending=any(ExportStatus(e.status).is_pending for e in exports),
        can_write=can_write,
        refusal=await service.refusal(db, ctx.organization, now, base_url=_base(page)) if can_write else None,
        formats=[(f.value, f.label) for f in ExportFormat],
        page_sizes=[(p.value, p.value) for p in PageSize],
    )
    if is_htmx(page.request):
        return render(page.request, FRAGMENT, context)
    return render(page.request, "document/exports.html", context)


@router.get("/documents/{document_id}/exports")
async def exports_panel(document_id: uuid.UUID, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    return await _panel(page, ctx, db, document_id)


def _choice(fmt: str, page_size: str, cover_page: str) -> ExportCreate:
    if fmt not in ExportFormat.__members__.values():
        raise ValidationFailed.field("format", "Choose PDF, Word (DOCX), Markdown or HTML")
    if page_size not in PageSize.__members__.values():
        raise ValidationFailed.field("page_size", "Choose A4 or Letter")
    options = ExportOptions(page_size=PageSize(page_size), cover_page=cover_page in ("1", "on", "true"))
    return ExportCreate(format=ExportFormat(fmt), options=options)


async def _after_post(page: Page, ctx: OrgContext, db: DbSession, document_id: uuid.UUID, note: str) -> Response:
    """htmx swaps in the panel; a plain form post goes back to the panel page."""
    if is_htmx(page.request):
        await db.flush()
        return await _panel(page, ctx, db, document_id)
    response = RedirectResponse(f"/documents/{document_id}/exports", status_code=303)
    flash(page.request, response, note)
    return response


@router.post("/documents/{document_id}/exports")
async def start_export(
    document_id: uuid.UUID,
    pair: OrgPage,
    db: DbSession,
    format: Annotated[str, Form(max_length=10)] = "pdf",
    page_size: Annotated[str, Form(max_length=10)] = "A4",
    cover_page: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    page, ctx = pair
    choice = _choice(format, page_size, cover_page)
    export = await service.request_export(db, ctx, document_id, choice, base_url=_base(page))
    note = f"{ExportFormat(export.format).label} export queued; it appears below when it is ready."
    return await _after_post(page, ctx, db, document_id, note)


@router.post("/documents/{document_id}/exports/{job_id}/retry")
async def retry_export(document_id: uuid.UUID, job_id: uuid.UUID, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    failed = await service.get(db, ctx, job_id)
    if failed.document_id != document_id:
        raise NotFound("No such export of this document")
    await service.retry(db, ctx, job_id, base_url=_base(page))
    return await _after_post(page, ctx, db, document_id, "Export queued again.")
