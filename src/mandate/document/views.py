"""Document pages: the list and the new-document flow (choose a template, fill its variables, preview,
create). The editor and its actions are in `editor_views`.

Every action is a plain form post; with htmx the preview swaps in place. Views never commit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal.forms import parse_uuid
from mandate.document import forms, repository, service
from mandate.document.library import service as library_service
from mandate.document.library.models import DocumentTemplate, TemplateStatus
from mandate.document.library.schemas import PreviewRequest
from mandate.document.models import DocumentStatus
from mandate.document.schemas import DocumentCreate
from mandate.kit.errors import AppError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

RECOVERABLE = frozenset({402, 409, 422})
STATUS_OPTIONS = [("", "Any status"), ("draft", "Draft"), ("final", "Final")]


async def deal_select_options(db: AsyncSession, blank: str = "No deal") -> list[tuple[str, str]]:
    return [("", blank), *((str(i), name) for i, name in await repository.deal_options(db))]


# --- List --------------------------------------------------------------------------------------


@router.get("/documents")
async def document_list(
    request: Request,
    pair: OrgPage,
    db: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=10)] = "",
    deal: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    page, ctx = pair
    ctx.require(Permission.DOCUMENT_READ)
    chosen_status = status if status in (s.value for s in DocumentStatus) else ""
    deal_id = parse_uuid(deal)
    flt = repository.DocumentFilter(deal_id=deal_id, q=q.strip() or None, status=chosen_status or None)
    try:
        results = await repository.list_documents(db, flt, limit=25, cursor=cursor or None)
    except ValidationFailed:  # a stale or hand-edited cursor: start again
        cursor = ""
        results = await repository.list_documents(db, flt, limit=25, cursor=None)
    filters = {"q": q, "status": chosen_status, "deal": str(deal_id) if deal_id else ""}
    query = {k: v for k, v in filters.items() if v}
    names = await repository.deal_names(db, {d.deal_id for d in results.items if d.deal_id})
    htmx = is_htmx(request)
    context = page.context(
        documents=results.items,
        deal_names=names,
        filters=filters,
        filtered=bool(query),
        next_url=f"/documents?{urlencode({**query, 'cursor': results.next_cursor})}" if results.next_cursor else "",
        first_url=f"/documents?{urlencode(query)}" if cursor else "",
        status_options=STATUS_OPTIONS,
        deal_options=await deal_select_options(db, "Any deal"),
        can_write=page.can(Permission.DOCUMENT_WRITE),
        htmx=htmx,
    )
    block = "results" if htmx else None
    return render(request, "document/list.html", context, block_name=block, headers={"Vary": "HX-Request"})


# --- New document ------------------------------------------------------------------------------


async def _choosable(db: AsyncSession, ctx: OrgContext) -> list[DocumentTemplate]:
    rows = await library_service.list_templates(db, ctx, category=None, status=None)
    return [r for r in rows if r.status != TemplateStatus.ARCHIVED.value]


async def _template(db: AsyncSession, ctx: OrgContext, raw: str) -> DocumentTemplate | None:
    if not raw:
        return None
    template_id = parse_uuid(raw)
    if template_id is None:
        raise NotFound("No such template")
    return await library_service.get(db, ctx, template_id)


async def _new_context(
    page: Page,
    ctx: OrgContext,
    db: AsyncSession,
    *,
    template: DocumentTemplate | None,
    deal_id: str,
    values: dict[str, str] | None = None,
    title: str = "",
    **extra: Any,
) -> dict[str, Any]:
    deal_options = await deal_select_options(db)
    deal_name = next((name for value, name in deal_options if value == deal_id and value), "")
    return page.context(
        template=template,
        templates=[] if template else await _choosable(db, ctx),
        fields=forms.variable_fields(template, values) if template else [],
        deal_id=deal_id,
        deal_name=deal_name,
        deal_options=deal_options,
        title=title,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/documents/new")
async def new_document(
    request: Request,
    pair: OrgPage,
    db: DbSession,
    deal_id: Annotated[str, Query(max_length=40)] = "",
    template_id: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    page, ctx = pair
    ctx.require(Permission.DOCUMENT_WRITE)
    template = await _template(db, ctx, template_id)
    chosen_deal = str(parse_uuid(deal_id) or "")
    context = await _new_context(page, ctx, db, template=template, deal_id=chosen_deal)
    return render(request, "document/new.html", context)


def _form_deal(form: Any) -> tuple[str, uuid.UUID | None]:
    raw = forms.text(form, "deal_id")
    parsed = parse_uuid(raw)
    if raw and parsed is None:
        raise ValidationFailed.field("deal_id", "Choose a deal from the list")
    return raw, parsed


@router.post("/documents/new/preview")
async def preview_new_document(request: Request, pair: OrgPage, db: DbSession) -> Response:
    """The filled-in template; with htmx only the form and preview block, errors beside their fields."""
    page, ctx = pair
    ctx.require(Permission.DOCUMENT_WRITE)
    form = await request.form()
    template = await _template(db, ctx, forms.text(form, "template_id"))
    if template is None:
        raise ValidationFailed.field("template_id", "Choose a template")
    values = forms.variables_from_form(template, form)
    extra: dict[str, Any] = {}
    status_code = 200
    try:
        raw_deal, deal_id = _form_deal(form)
        extra["preview"] = await library_service.preview(
            db, ctx, template.id, PreviewRequest(variables=values, deal_id=deal_id)
        )
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        template = await _template(db, ctx, forms.text(form, "template_id"))  # the rollback expired it
        raw_deal = forms.text(form, "deal_id")
        extra.update(error=error, errors=forms.form_errors(error))
        status_code = error.status
    context = await _new_context(
        page, ctx, db, template=template, deal_id=raw_deal, values=values, title=forms.text(form, "title"), **extra
    )
    if is_htmx(request):  # htmx swaps 2xx only: the block carries the errors
        return render(request, "document/new.html", context, block_name="newform")
    return render(request, "document/new.html", context, status_code=status_code)


@router.post("/documents/new")
async def create_document(request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    ctx.require(Permission.DOCUMENT_WRITE)
    form = await request.form()
    template = await _template(db, ctx, forms.text(form, "template_id"))
    values = forms.variables_from_form(template, form) if template else {}
    title = forms.text(form, "title").strip()
    try:
        _raw, deal_id = _form_deal(form)
        forms.check_length("title", title, 200)
        data = DocumentCreate(
            title=title or None, deal_id=deal_id, template_id=template.id if template else None, variables=values
        )
        document = await service.create(db, ctx, data)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        context = await _new_context(
            page,
            ctx,
            db,
            template=await _template(db, ctx, forms.text(form, "template_id")),
            deal_id=forms.text(form, "deal_id"),
            values=values,
            title=title,
            error=error,
            errors=forms.form_errors(error),
        )
        return render(request, "document/new.html", context, status_code=error.status)
    response = RedirectResponse(f"/documents/{document.id}", status_code=303)
    flash(request, response, f"Created {document.title}. Your changes save as you type.")
    return response
