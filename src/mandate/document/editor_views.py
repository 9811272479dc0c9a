"""The document editor page and its actions: save (the no-JavaScript path of autosave, with the same
compare-and-set and a conflict page), title, finalise/reopen, preview, named versions, restore, delete.

Autosave itself goes to the JSON API from `static/editor.js`; these routes are plain form posts.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal import repository as deal_repo
from mandate.deal.forms import parse_uuid
from mandate.document import forms, repository, service
from mandate.document.live import document_channel
from mandate.document.models import Document, DocumentStatus
from mandate.document.schemas import MAX_CONTENT, ContentSave, DocumentUpdate
from mandate.kit.errors import AppError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.live import stream_url
from mandate.render.markdown import markdown_to_html
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

RECOVERABLE = frozenset({409, 422})
REVISIONS_SHOWN = 30


def _document_id(raw: str) -> uuid.UUID:
    parsed = parse_uuid(raw)
    if parsed is None:
        raise NotFound("No such document")
    return parsed


def _back(document_id: uuid.UUID, anchor: str = "") -> str:
    return f"/documents/{document_id}{anchor}"


async def _editor_context(
    page: Page, ctx: OrgContext, db: AsyncSession, document: Document, **extra: Any
) -> dict[str, Any]:
    deal = await deal_repo.get_deal(db, document.deal_id) if document.deal_id else None
    content = extra.pop("content", document.content)
    return page.context(
        doc=document,
        deal=deal,
        content=content,
        preview_html=markdown_to_html(content),
        revisions=await repository.list_revisions(db, document.id, limit=REVISIONS_SHOWN),
        updated_by=await repository.user_name(db, document.updated_by_id),
        can_write=page.can(Permission.DOCUMENT_WRITE),
        editable=page.can(Permission.DOCUMENT_WRITE) and not document.is_final,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/documents/{document_id}")
async def editor(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = _document_id(document_id)
    live_url = await stream_url(db, [document_channel(parsed)])  # before the document is read
    document = await service.get(db, ctx, parsed)
    context = await _editor_context(page, ctx, db, document, live_url=live_url)
    return render(request, "document/editor.html", context)


async def _render_editor(
    page: Page, ctx: OrgContext, db: AsyncSession, parsed: uuid.UUID, error: AppError, **extra: Any
) -> Response:
    await rollback_page(db, page)
    document = await service.get(db, ctx, parsed)
    context = await _editor_context(page, ctx, db, document, error=error, errors=forms.form_errors(error), **extra)
    return render(page.request, "document/editor.html", context, status_code=error.status)


def _content_save(form: Any) -> ContentSave:
    try:
        return ContentSave(content=forms.multiline(form, "content"), base_version=int(forms.text(form, "base_version")))
    except ValueError:
        raise ValidationFailed.field("base_version", "Reload the document and try again") from None
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = f"The document is longer than {MAX_CONTENT:,} characters" if field == "content" else "Not valid"
        raise ValidationFailed.field(field, message) from None


@router.post("/documents/{document_id}/save")
async def save(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    """Compare-and-set on the version the form was drawn from; a stale one shows the conflict page."""
    page, ctx = pair
    parsed = _document_id(document_id)
    await service.get(db, ctx, parsed)
    ctx.require(Permission.DOCUMENT_WRITE)
    form = await request.form()
    mine = forms.multiline(form, "content")
    try:
        version, _saved_at = await service.save_content(db, ctx, parsed, _content_save(form))
    except service.VersionConflict as conflict:
        await rollback_page(db, page)
        document = await service.get(db, ctx, parsed)
        theirs = str(conflict.extra.get("content", ""))
        context = page.context(
            doc=document,
            mine=mine,
            theirs=theirs,
            diff=forms.line_diff(mine, theirs),
            conflict=conflict,
        )
        return render(request, "document/conflict.html", context, status_code=409)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        return await _render_editor(page, ctx, db, parsed, error, content=mine)
    response = RedirectResponse(_back(parsed), status_code=303)
    flash(request, response, f"Saved version {version}.")
    return response


@router.post("/documents/{document_id}/title")
async def rename(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = _document_id(document_id)
    title = forms.text(await request.form(), "title")
    htmx = is_htmx(request)
    try:
        if not title.strip():
            raise ValidationFailed.field("title", "A document needs a title")
        forms.check_length("title", title, 200)
        document = await service.update(db, ctx, parsed, DocumentUpdate(title=title))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        if htmx:  # the title form comes back with the message beside the field
            await rollback_page(db, page)
            document = await service.get(db, ctx, parsed)
            context = await _editor_context(page, ctx, db, document, errors=forms.form_errors(error), title=title)
            return render(request, "document/editor.html", context, block_name="titleform")
        return await _render_editor(page, ctx, db, parsed, error, title=title)
    if htmx:
        context = await _editor_context(page, ctx, db, document, title_saved=True)
        return render(request, "document/editor.html", context, block_name="titleform")
    response = RedirectResponse(_back(parsed), status_code=303)
    flash(request, response, f"Renamed to {document.title}.")
    return response


@router.post("/documents/{document_id}/status")
async def set_status(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    parsed = _document_id(document_id)
    raw = forms.text(await request.form(), "status")
    if raw not in (DocumentStatus.FINAL.value, DocumentStatus.DRAFT.value):
        await service.get(db, ctx, parsed)  # another organization's document stays 404
        raise ValidationFailed.field("status", "Choose final or draft")
    document = await service.update(db, ctx, parsed, DocumentUpdate(status=DocumentStatus(raw)))
    response = RedirectResponse(_back(parsed), status_code=303)
    if document.is_final:
        flash(request, response, f"{document.title} is final. It is read-only until someone reopens it.")
    else:
        flash(request, response, f"Reopened {document.title} for editing.")
    return response


@router.post("/documents/{document_id}/preview")
async def preview(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    """The editor's live preview: the posted Markdown rendered and sanitised as the exports will."""
    _page, ctx = pair
    await service.get(db, ctx, _document_id(document_id))
    content = forms.multiline(await request.form(), "content")[:MAX_CONTENT]
    return HTMLResponse(markdown_to_html(content), headers={"Cache-Control": "no-store"})


@router.post("/documents/{document_id}/revisions")
async def name_version(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = _document_id(document_id)
    label = forms.text(await request.form(), "label")
    try:
        forms.check_length("label", label, 120)
        revision = await service.name_revision(db, ctx, parsed, label)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        return await _render_editor(page, ctx, db, parsed, error, label=label)
    response = RedirectResponse(_back(parsed, "#revisions"), status_code=303)
    flash(request, response, f"Saved version {revision.version} as “{revision.label}”.")
    return response


@router.post("/documents/{document_id}/revisions/{revision_id}/restore")
async def restore(document_id: str, revision_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = _document_id(document_id)
    revision = parse_uuid(revision_id)
    if revision is None:
        await service.get(db, ctx, parsed)
        raise NotFound("No such revision")
    try:
        document = await service.restore(db, ctx, parsed, revision)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        return await _render_editor(page, ctx, db, parsed, error)
    response = RedirectResponse(_back(parsed, "#revisions"), status_code=303)
    flash(request, response, f"Restored an earlier version as version {document.version}. Nothing was deleted.")
    return response


@router.post("/documents/{document_id}/delete")
async def delete(document_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    parsed = _document_id(document_id)
    document = await service.get(db, ctx, parsed)
    title, deal_id = document.title, document.deal_id
    await service.delete(db, ctx, parsed)
    response = RedirectResponse(f"/deals/{deal_id}" if deal_id else "/documents", status_code=303)
    flash(request, response, f"Deleted {title}.")
    return response
