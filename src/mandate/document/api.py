from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from mandate.authz.dependencies import CurrentOrg
from mandate.authz.roles import Permission
from mandate.document import repository, service
from mandate.document.models import Document, DocumentRevision, DocumentStatus, RevisionKind
from mandate.document.schemas import (
    ContentSave,
    DocumentCreate,
    DocumentList,
    DocumentOut,
    DocumentSummaryOut,
    DocumentUpdate,
    RevisionCreate,
    RevisionList,
    RevisionOut,
    SaveResult,
)
from mandate.kit.errors import responses
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from mandate.kit.session import DbSession

router = APIRouter(prefix="/api/document-generation", tags=["documents"])


def _summary(document: Document) -> DocumentSummaryOut:
    return DocumentSummaryOut(
        id=document.id,
        title=document.title,
        deal_id=document.deal_id,
        template_id=document.template_id,
        status=DocumentStatus(document.status),
        version=document.version,
        created_by_id=document.created_by_id,
        updated_by_id=document.updated_by_id,
        created_at=document.created_at,
        updated_at=document.updated_at,
        finalized_at=document.finalized_at,
    )


def _out(document: Document) -> DocumentOut:
    return DocumentOut(**_summary(document).model_dump(), content=document.content)


def _revision(revision: DocumentRevision, author: str | None, *, content: bool) -> RevisionOut:
    return RevisionOut(
        id=revision.id,
        document_id=revision.document_id,
        version=revision.version,
        title=revision.title,
        label=revision.label,
        kind=RevisionKind(revision.kind),
        created_by_id=revision.created_by_id,
        created_by=author,
        created_at=revision.created_at,
        content=revision.content if content else None,
    )


@router.post("/documents", status_code=201, response_model=DocumentOut, responses=responses(401, 403, 422))
async def create_document(body: DocumentCreate, ctx: CurrentOrg, db: DbSession) -> DocumentOut:
    return _out(await service.create(db, ctx, body))


@router.get("/documents", response_model=DocumentList, responses=responses(401, 403, 422))
async def list_documents(
    ctx: CurrentOrg,
    db: DbSession,
    deal_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: DocumentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> DocumentList:
    ctx.require(Permission.DOCUMENT_READ)
    flt = repository.DocumentFilter(deal_id=deal_id, q=q, status=status.value if status else None)
    page = await repository.list_documents(db, flt, limit=limit, cursor=cursor)
    return DocumentList(items=[_summary(d) for d in page.items], next_cursor=page.next_cursor)


@router.get("/documents/{document_id}", response_model=DocumentOut, responses=responses(401, 403, 404))
async def get_document(document_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> DocumentOut:
    return _out(await service.get(db, ctx, document_id))


@router.patch("/documents/{document_id}", response_model=DocumentOut, responses=responses(401, 403, 404, 409, 422))
async def update_document(document_id: uuid.UUID, body: DocumentUpdate, ctx: CurrentOrg, db: DbSession) -> DocumentOut:
    return _out(await service.update(db, ctx, document_id, body))


@router.delete("/documents/{document_id}", status_code=204, responses=responses(401, 403, 404))
async def delete_document(document_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.delete(db, ctx, document_id)
    return Response(status_code=204)


@router.patch(
    "/documents/{document_id}/content", response_model=SaveResult, responses=responses(401, 403, 404, 409, 422)
)
async def save_content(document_id: uuid.UUID, body: ContentSave, ctx: CurrentOrg, db: DbSession) -> SaveResult:
    """Save the editor's text; a stale `base_version` is 409 `version_conflict` with the current state."""
    version, saved_at = await service.save_content(db, ctx, document_id, body)
    return SaveResult(version=version, saved_at=saved_at)


@router.get("/documents/{document_id}/revisions", response_model=RevisionList, responses=responses(401, 403, 404, 422))
async def list_revisions(
    document_id: uuid.UUID,
    ctx: CurrentOrg,
    db: DbSession,
    include_content: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> RevisionList:
    rows = await service.revisions(db, ctx, document_id, limit=limit)
    return RevisionList(items=[_revision(rev, author, content=include_content) for rev, author in rows])


@router.post(
    "/documents/{document_id}/revisions",
    status_code=201,
    response_model=RevisionOut,
    responses=responses(401, 403, 404, 422),
)
async def name_revision(document_id: uuid.UUID, body: RevisionCreate, ctx: CurrentOrg, db: DbSession) -> RevisionOut:
    revision = await service.name_revision(db, ctx, document_id, body.label)
    return _revision(revision, ctx.user.full_name, content=False)


@router.post(
    "/documents/{document_id}/revisions/{revision_id}/restore",
    response_model=DocumentOut,
    responses=responses(401, 403, 404, 409),
)
async def restore_revision(
    document_id: uuid.UUID, revision_id: uuid.UUID, ctx: CurrentOrg, db: DbSession
) -> DocumentOut:
    return _out(await service.restore(db, ctx, document_id, revision_id))
