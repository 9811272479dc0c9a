"""Template library rules: who may read and manage, validation of bodies and variables, audit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal import service as deal_service
from mandate.document.library import fields, render, repository
from mandate.document.library.models import DocumentTemplate, TemplateStatus
from mandate.document.library.schemas import PreviewOut, PreviewRequest, TemplateCreate, TemplateUpdate, VariableSpec
from mandate.kit.db import utcnow
from mandate.kit.errors import NotFound, PermissionDenied, ValidationFailed
from mandate.kit.slug import slugify, with_suffix
from mandate.render.markdown import markdown_to_html


class BuiltinReadOnly(PermissionDenied):
    title = "Built-in templates are read-only"


async def get(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID) -> DocumentTemplate:
    row = await repository.get_visible(session, ctx.organization.id, template_id)
    if row is None:
        raise NotFound("No such template")
    ctx.require(Permission.DOCUMENT_READ)
    return row


async def list_templates(
    session: AsyncSession, ctx: OrgContext, *, category: str | None, status: str | None
) -> list[DocumentTemplate]:
    ctx.require(Permission.DOCUMENT_READ)
    return await repository.list_visible(session, ctx.organization.id, category=category, status=status)


def check_variables(specs: list[VariableSpec]) -> None:
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        field = f"variables.{i}.name"
        if not spec.name.isidentifier() or spec.name.startswith("_"):
            raise ValidationFailed.field(field, "Use letters, digits and underscores, starting with a letter")
        if spec.name in seen:
            raise ValidationFailed.field(field, f"The variable name {spec.name!r} is used twice")
        if spec.type == "choice" and not spec.choices:
            raise ValidationFailed.field(f"variables.{i}.choices", "A choice variable needs at least one choice")
        seen.add(spec.name)


async def _free_key(session: AsyncSession, ctx: OrgContext, wanted: str) -> str:
    base = slugify(wanted, fallback="template")
    key, n = base, 1
    while await repository.key_taken(session, ctx.organization.id, key):
        n += 1
        key = with_suffix(base, n)
    return key


async def create(session: AsyncSession, ctx: OrgContext, data: TemplateCreate) -> DocumentTemplate:
    ctx.require(Permission.TEMPLATE_MANAGE)
    render.check_body(data.body)
    check_variables(data.variables)
    if data.key is not None and await repository.key_taken(session, ctx.organization.id, slugify(data.key)):
        raise ValidationFailed.field("key", "Another template of this organization uses this key")
    row = DocumentTemplate(
        organization_id=ctx.organization.id,
        key=await _free_key(session, ctx, data.key or data.name),
        name=data.name.strip(),
        description=data.description.strip(),
        category=data.category.value,
        body=data.body,
        variables=[v.model_dump(mode="json") for v in data.variables],
        status=data.status.value,
        created_by_id=ctx.user.id,
    )
    session.add(row)
    await session.flush()
    record(session, ctx, "document_template.created", "document_template", row.id, {"name": row.name})
    return row


async def _own(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID, verb: str) -> DocumentTemplate:
    row = await get(session, ctx, template_id)
    if row.builtin:
        raise BuiltinReadOnly(f"Built-in templates cannot be {verb}; copy it into your organization and edit the copy")
    ctx.require(Permission.TEMPLATE_MANAGE)
    return row


async def update(
    session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID, data: TemplateUpdate
) -> DocumentTemplate:
    row = await _own(session, ctx, template_id, "changed")
    if data.body is not None:
        render.check_body(data.body)
    if data.variables is not None:
        check_variables(data.variables)
    changes: dict[str, Any] = {}
    for attr in sorted(data.model_fields_set):
        value = getattr(data, attr)
        if value is None:
            continue
        if attr == "variables":
            value = [v.model_dump(mode="json") for v in data.variables or []]
        elif attr in ("category", "status"):
            value = value.value
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changes[attr] = value if attr in ("name", "category", "status") else "changed"
    if changes:
        row.updated_at = utcnow()
        record(session, ctx, "document_template.updated", "document_template", row.id, changes)
    return row


async def delete(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID) -> None:
    row = await _own(session, ctx, template_id, "deleted")
    record(session, ctx, "document_template.deleted", "document_template", row.id, {"name": row.name})
    await session.delete(row)
    await session.flush()


async def copy(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID) -> DocumentTemplate:
    source = await get(session, ctx, template_id)
    ctx.require(Permission.TEMPLATE_MANAGE)
    row = DocumentTemplate(
        organization_id=ctx.organization.id,
        key=await _free_key(session, ctx, source.key),
        name=source.name if source.builtin else f"Copy of {source.name}"[:160],
        description=source.description,
        category=source.category,
        body=source.body,
        variables=list(source.variables),
        status=TemplateStatus.DRAFT.value,
        created_by_id=ctx.user.id,
    )
    session.add(row)
    await session.flush()
    data = {"name": row.name, "source_id": str(source.id), "source_builtin": source.builtin}
    record(session, ctx, "document_template.copied", "document_template", row.id, data)
    return row


async def fill(
    session: AsyncSession, ctx: OrgContext, row: DocumentTemplate, given: dict[str, Any], deal_id: uuid.UUID | None
) -> tuple[str, list[str]]:
    """The template's Markdown with every merge field filled, and the optional variables left empty."""
    specs = [VariableSpec.model_validate(v) for v in row.variables]
    variables, missing = fields.variable_fields(specs, given)
    deal = await deal_service.get(session, ctx, deal_id) if deal_id else None
    merge = fields.merge_fields(
        organization=ctx.organization, author=ctx.user, variables=variables, deal=deal, today=utcnow().date()
    )
    return render.render(row.body, merge), missing


async def preview(session: AsyncSession, ctx: OrgContext, template_id: uuid.UUID, data: PreviewRequest) -> PreviewOut:
    row = await get(session, ctx, template_id)
    text, missing = await fill(session, ctx, row, data.variables, data.deal_id)
    return PreviewOut(markdown=text, html=markdown_to_html(text), missing=missing)
