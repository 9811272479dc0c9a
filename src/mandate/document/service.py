"""Document rules: permissions, optimistic concurrency on content, revision history and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal import repository as deal_repo
from mandate.document import repository
from mandate.document.exports import repository as exports_repository
from mandate.document.exports.models import DELETE_FILES_JOB
from mandate.document.library import service as library_service
from mandate.document.library.models import DocumentTemplate, TemplateStatus
from mandate.document.live import announce_saved
from mandate.document.models import Document, DocumentRevision, DocumentStatus, RevisionKind
from mandate.document.schemas import ContentSave, DocumentCreate, DocumentUpdate
from mandate.jobs import enqueue
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, Conflict, NotFound, ValidationFailed

# At most one autosave snapshot per document in this span of editing, so history stays readable.
AUTOSAVE_EVERY = timedelta(minutes=10)
UNTITLED = "Untitled document"


class DocumentFinal(Conflict):
    code = "document_final"
    title = "This document is final"


class VersionConflict(Conflict):
    code = "version_conflict"
    title = "Someone saved a newer version"


async def get(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID) -> Document:
    document = await repository.get_document(session, document_id)
    if document is None:
        raise NotFound("No such document")
    ctx.require(Permission.DOCUMENT_READ)
    return document


async def _writable(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID) -> Document:
    document = await get(session, ctx, document_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    if document.is_final:
        raise DocumentFinal("Reopen the document before editing it")
    return document


async def _deal_name(session: AsyncSession, deal_id: uuid.UUID) -> str:
    deal = await deal_repo.get_deal(session, deal_id)  # tenant-scoped: another org's deal is not found
    if deal is None:
        raise ValidationFailed.field("deal_id", "No such deal in this organization")
    return deal.name


def _title(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValidationFailed.field("title", "This field cannot be blank")
    return cleaned


def _snapshot(ctx: OrgContext, document: Document, kind: RevisionKind, label: str | None = None) -> DocumentRevision:
    return DocumentRevision(
        organization_id=ctx.organization.id,
        document_id=document.id,
        version=document.version,
        title=document.title,
        content=document.content,
        label=label,
        kind=kind.value,
        created_by_id=ctx.user.id,
    )


async def _usable_template(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID) -> DocumentTemplate:
    try:
        template = await library_service.get(session, ctx, template_id)
    except NotFound:
        raise ValidationFailed.field("template_id", "No such template in this organization") from None
    if template.status == TemplateStatus.ARCHIVED.value:
        raise ValidationFailed.field("template_id", "This template is archived; copy or restore it first")
    return template


async def create(session: AsyncSession, ctx: OrgContext, data: DocumentCreate) -> Document:
    ctx.require(Permission.DOCUMENT_WRITE)
    deal_name = await _deal_name(session, data.deal_id) if data.deal_id else None
    default = f"{deal_name} document" if deal_name else UNTITLED
    content = data.content
    if data.template_id is not None:
        template = await _usable_template(session, ctx, data.template_id)
        content, _missing = await library_service.fill(session, ctx, template, data.variables, data.deal_id)
        default = f"{template.name} — {deal_name}" if deal_name else template.name
    title = _title(data.title) if data.title is not None else default
    document = Document(
        organization_id=ctx.organization.id,
        title=title,
        deal_id=data.deal_id,
        template_id=data.template_id,
        content=content,
        status=DocumentStatus.DRAFT.value,
        version=1,
        created_by_id=ctx.user.id,
        updated_by_id=ctx.user.id,
    )
    session.add(document)
    await session.flush()
    # The starting text is always restorable.
    session.add(_snapshot(ctx, document, RevisionKind.AUTOSAVE))
    created = {"title": title, "template_id": str(data.template_id) if data.template_id else None}
    record(session, ctx, "document.created", "document", document.id, created)
    await session.flush()
    return document


async def _set_status(session: AsyncSession, ctx: OrgContext, document: Document, status: DocumentStatus) -> None:
    if document.status == status.value:
        return
    document.status = status.value
    document.finalized_at = utcnow() if status is DocumentStatus.FINAL else None
    action = "document.finalized" if status is DocumentStatus.FINAL else "document.reopened"
    record(session, ctx, action, "document", document.id, {"version": document.version})


async def update(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, data: DocumentUpdate) -> Document:
    document = await get(session, ctx, document_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    fields = data.model_fields_set
    if data.status is DocumentStatus.DRAFT:
        await _set_status(session, ctx, document, DocumentStatus.DRAFT)
    changes: dict[str, list[Any]] = {}
    title = document.title
    if "title" in fields:
        if data.title is None:
            raise ValidationFailed.field("title", "A document needs a title")
        title = _title(data.title)
        if title != document.title:
            changes["title"] = [document.title, title]
    if "deal_id" in fields and data.deal_id != document.deal_id:
        if data.deal_id is not None:
            await _deal_name(session, data.deal_id)
        changes["deal_id"] = [str(document.deal_id) if document.deal_id else None, str(data.deal_id or "") or None]
    if changes and document.is_final:
        raise DocumentFinal("Reopen the document before editing it")
    if changes:
        document.title = title
        if "deal_id" in changes:
            document.deal_id = data.deal_id
        document.updated_by_id = ctx.user.id
        record(session, ctx, "document.updated", "document", document.id, {"changes": changes})
    if data.status is DocumentStatus.FINAL:
        await _set_status(session, ctx, document, DocumentStatus.FINAL)
    await session.flush()
    return document


async def delete(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID) -> None:
    document = await get(session, ctx, document_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    record(session, ctx, "document.deleted", "document", document.id, {"title": document.title})
    stored = await exports_repository.stored_keys(session, document.id)
    await session.delete(document)
    await session.flush()
    if stored:
        enqueue(session, DELETE_FILES_JOB, {"keys": stored}, organization_id=ctx.organization.id)


async def _conflict(session: AsyncSession, document_id: uuid.UUID) -> AppError:
    """The state that won, so the editor can merge or reload."""
    current = await repository.get_document(session, document_id, fresh=True)
    if current is None:
        return NotFound("No such document")
    if current.is_final:
        return DocumentFinal("Reopen the document before editing it")
    return VersionConflict(
        "The document changed since this edit started",
        current_version=current.version,
        content=current.content,
        updated_by=await repository.user_name(session, current.updated_by_id),
        saved_at=current.updated_at.isoformat(),
    )


async def _write_content(
    session: AsyncSession, ctx: OrgContext, document: Document, content: str, base_version: int
) -> datetime:
    now = utcnow()
    saved = await repository.save_content(
        session, document.id, base_version=base_version, content=content, user_id=ctx.user.id, now=now
    )
    if not saved:
        raise await _conflict(session, document.id)
    # The UPDATE wrote exactly these values; record them as loaded instead of reading the row back.
    written = {"content": content, "version": base_version + 1, "updated_by_id": ctx.user.id, "updated_at": now}
    for attribute, value in written.items():
        set_committed_value(document, attribute, value)
    announce_saved(session, ctx, document.id, document.version, now)
    return now


async def save_content(
    session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, data: ContentSave
) -> tuple[int, datetime]:
    document = await _writable(session, ctx, document_id)
    if data.base_version != document.version:
        raise await _conflict(session, document.id)
    saved_at = await _write_content(session, ctx, document, data.content, data.base_version)
    last = await repository.last_revision_at(session, document.id)
    if last is None or saved_at - last >= AUTOSAVE_EVERY:
        session.add(_snapshot(ctx, document, RevisionKind.AUTOSAVE))
        await session.flush()
    return document.version, saved_at


async def name_revision(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, label: str) -> DocumentRevision:
    document = await get(session, ctx, document_id)
    ctx.require(Permission.DOCUMENT_WRITE)
    cleaned = " ".join(label.split())
    if not cleaned:
        raise ValidationFailed.field("label", "This field cannot be blank")
    revision = _snapshot(ctx, document, RevisionKind.NAMED, cleaned)
    session.add(revision)
    await session.flush()
    record(
        session, ctx, "document.version_named", "document", document.id, {"label": cleaned, "version": document.version}
    )
    return revision


async def revisions(
    session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, *, limit: int
) -> list[tuple[DocumentRevision, str | None]]:
    document = await get(session, ctx, document_id)
    return await repository.list_revisions(session, document.id, limit=limit)


async def restore(session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, revision_id: uuid.UUID) -> Document:
    """Content goes back to the revision's as a new version; the history only grows."""
    document = await get(session, ctx, document_id)
    revision = await repository.get_revision(session, document.id, revision_id)
    if revision is None:
        raise NotFound("No such revision")
    ctx.require(Permission.DOCUMENT_WRITE)
    if document.is_final:
        raise DocumentFinal("Reopen the document before restoring a version")
    await _write_content(session, ctx, document, revision.content, document.version)
    session.add(_snapshot(ctx, document, RevisionKind.RESTORE, revision.label))
    record(
        session,
        ctx,
        "document.restored",
        "document",
        document.id,
        {"revision_id": str(revision.id), "from_version": revision.version, "version": document.version},
    )
    await session.flush()
    return document
