from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from mandate.authz.dependencies import CurrentOrg
from mandate.document.library import service
from mandate.document.library.models import Category, DocumentTemplate, TemplateStatus
from mandate.document.library.schemas import (
    PreviewOut,
    PreviewRequest,
    TemplateCreate,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
    VariableSpec,
)
from mandate.kit.errors import responses
from mandate.kit.session import DbSession

router = APIRouter(prefix="/api/document-generation/templates", tags=["document templates"])


def template_out(row: DocumentTemplate) -> TemplateOut:
    return TemplateOut(
        id=row.id,
        key=row.key,
        name=row.name,
        description=row.description,
        category=Category(row.category),
        body=row.body,
        variables=[VariableSpec.model_validate(v) for v in row.variables],
        status=TemplateStatus(row.status),
        builtin=row.builtin,
        created_by_id=row.created_by_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("", response_model=TemplateList, responses=responses(401, 403, 422))
async def list_templates(
    ctx: CurrentOrg, db: DbSession, category: Category | None = None, status: TemplateStatus | None = None
) -> TemplateList:
    """Built-in templates first, then the organization's own."""
    rows = await service.list_templates(
        db, ctx, category=category.value if category else None, status=status.value if status else None
    )
    return TemplateList(items=[template_out(r) for r in rows])


@router.post("", status_code=201, response_model=TemplateOut, responses=responses(401, 403, 422))
async def create_template(body: TemplateCreate, ctx: CurrentOrg, db: DbSession) -> TemplateOut:
    return template_out(await service.create(db, ctx, body))


@router.get("/{template_id}", response_model=TemplateOut, responses=responses(401, 403, 404))
async def get_template(template_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> TemplateOut:
    return template_out(await service.get(db, ctx, template_id))


@router.patch("/{template_id}", response_model=TemplateOut, responses=responses(401, 403, 404, 422))
async def update_template(template_id: uuid.UUID, body: TemplateUpdate, ctx: CurrentOrg, db: DbSession) -> TemplateOut:
    """Built-in templates are read-only (403); copy one to edit it."""
    return template_out(await service.update(db, ctx, template_id, body))


@router.delete("/{template_id}", status_code=204, responses=responses(401, 403, 404))
async def delete_template(template_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.delete(db, ctx, template_id)
    return Response(status_code=204)


@router.post("/{template_id}/copy", status_code=201, response_model=TemplateOut, responses=responses(401, 403, 404))
async def copy_template(template_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> TemplateOut:
    """Copy a built-in or own template into the organization as a draft."""
    return template_out(await service.copy(db, ctx, template_id))


@router.post("/{template_id}/preview", response_model=PreviewOut, responses=responses(401, 403, 404, 422))
async def preview_template(template_id: uuid.UUID, body: PreviewRequest, ctx: CurrentOrg, db: DbSession) -> PreviewOut:
    """Render with the variables given (and a deal's merge fields); 422 names a missing variable."""
    return await service.preview(db, ctx, template_id, body)
