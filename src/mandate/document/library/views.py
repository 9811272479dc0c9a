"""Template library pages: the list, a template with its variables and a preview form, copy into the
organization, and create/edit for the organization's own templates (built-ins are read-only)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal.forms import parse_uuid
from mandate.document import forms as doc_forms
from mandate.document.library import forms, service
from mandate.document.library.forms import TemplateForm
from mandate.document.library.models import DocumentTemplate
from mandate.document.library.schemas import PreviewRequest
from mandate.document.views import deal_select_options
from mandate.kit.errors import AppError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

RECOVERABLE = frozenset({409, 422})


def _template_id(raw: str) -> uuid.UUID:
    parsed = parse_uuid(raw)
    if parsed is None:
        raise NotFound("No such template")
    return parsed


@router.get("/templates")
async def template_list(request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    rows = await service.list_templates(db, ctx, category=None, status=None)
    context = page.context(
        builtins=[r for r in rows if r.builtin],
        own=[r for r in rows if not r.builtin],
        can_manage=page.can(Permission.TEMPLATE_MANAGE),
        can_write=page.can(Permission.DOCUMENT_WRITE),
    )
    return render(request, "document/templates.html", context)


async def _detail_context(
    page: Page, db: AsyncSession, row: DocumentTemplate, values: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return page.context(
        template=row,
        fields=doc_forms.variable_fields(row, values),
        deal_options=await deal_select_options(db),
        deal_id=extra.pop("deal_id", ""),
        errors=extra.pop("errors", {}),
        can_manage=page.can(Permission.TEMPLATE_MANAGE),
        can_write=page.can(Permission.DOCUMENT_WRITE),
        **extra,
    )


@router.get("/templates/new")
async def new_template(request: Request, pair: OrgPage) -> Response:
    page, ctx = pair
    ctx.require(Permission.TEMPLATE_MANAGE)
    return _render_form(page, TemplateForm())


@router.get("/templates/{template_id}")
async def template_page(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    row = await service.get(db, ctx, _template_id(template_id))
    return render(request, "document/template.html", await _detail_context(page, db, row))


@router.post("/templates/{template_id}/preview")
async def preview(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    tid = _template_id(template_id)
    row = await service.get(db, ctx, tid)
    form = await request.form()
    values = doc_forms.variables_from_form(row, form)
    raw_deal = doc_forms.text(form, "deal_id")
    extra: dict[str, Any] = {"deal_id": raw_deal}
    status_code = 200
    try:
        deal_id = parse_uuid(raw_deal)
        if raw_deal and deal_id is None:
            raise ValidationFailed.field("deal_id", "Choose a deal from the list")
        extra["preview"] = await service.preview(db, ctx, tid, PreviewRequest(variables=values, deal_id=deal_id))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        row = await service.get(db, ctx, tid)  # the rollback expired it
        extra.update(error=error, errors=doc_forms.form_errors(error))
        status_code = error.status
    context = await _detail_context(page, db, row, values, **extra)
    if is_htmx(request):
        return render(request, "document/template.html", context, block_name="previewform")
    return render(request, "document/template.html", context, status_code=status_code)


@router.post("/templates/{template_id}/copy")
async def copy(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    row = await service.copy(db, ctx, _template_id(template_id))
    response = RedirectResponse(f"/templates/{row.id}", status_code=303)
    flash(request, response, f"Copied into your organization as a draft: {row.name}. Edit it, then make it active.")
    return response


def _render_form(
    page: Page, form: TemplateForm, row: DocumentTemplate | None = None, status_code: int = 200, **extra: Any
) -> Response:
    context = page.context(
        form=form,
        rows=form.display_rows(),
        errors=form.errors,
        template=row,
        category_options=forms.CATEGORY_OPTIONS,
        status_options=forms.STATUS_OPTIONS,
        type_options=forms.TYPE_OPTIONS,
        **extra,
    )
    return render(page.request, "document/template_form.html", context, status_code=status_code)


async def _failed(page: Page, form: TemplateForm, error: AppError, db: AsyncSession) -> None:
    if error.status not in RECOVERABLE:
        raise error
    await rollback_page(db, page)
    form.errors = forms.form_errors(error, forms.filled_rows(form))


@router.post("/templates/new")
async def create_template(request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    ctx.require(Permission.TEMPLATE_MANAGE)
    form = TemplateForm.from_form(await request.form())
    try:
        row = await service.create(db, ctx, form.to_create())
    except AppError as error:
        await _failed(page, form, error, db)
        return _render_form(page, form, error=error, status_code=error.status)
    response = RedirectResponse(f"/templates/{row.id}", status_code=303)
    flash(request, response, f"Created the template {row.name}.")
    return response


async def _own(db: AsyncSession, ctx: OrgContext, raw: str) -> DocumentTemplate:
    row = await service.get(db, ctx, _template_id(raw))
    if row.builtin:
        raise service.BuiltinReadOnly("Built-in templates are read-only; copy it into your organization to edit it")
    ctx.require(Permission.TEMPLATE_MANAGE)
    return row


@router.get("/templates/{template_id}/edit")
async def edit_template(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    row = await _own(db, ctx, template_id)
    return _render_form(page, TemplateForm.from_template(row), row)


@router.post("/templates/{template_id}/edit")
async def update_template(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    row = await _own(db, ctx, template_id)
    form = TemplateForm.from_form(await request.form())
    try:
        row = await service.update(db, ctx, row.id, form.to_update())
    except AppError as error:
        await _failed(page, form, error, db)
        row = await _own(db, ctx, template_id)
        return _render_form(page, form, row, error=error, status_code=error.status)
    response = RedirectResponse(f"/templates/{row.id}", status_code=303)
    flash(request, response, f"Saved {row.name}.")
    return response


@router.post("/templates/{template_id}/delete")
async def delete_template(template_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    row = await _own(db, ctx, template_id)
    name = row.name
    await service.delete(db, ctx, row.id)
    response = RedirectResponse("/templates", status_code=303)
    flash(request, response, f"Deleted the template {name}. Documents made from it keep their text.")
    return response
