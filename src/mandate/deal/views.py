"""The deals pipeline pages: board, list, deal page, create and edit forms (HTML, enhanced by htmx).

Every action is a plain form post that redirects (303) with a flash message; with htmx the board
and the list swap in a re-rendered block instead. Views call the deal service and never commit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit import repository as audit_repo
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.billing.entitlements import check_limit
from mandate.billing.tiers import Limit, get_tier
from mandate.deal import forms, repository, service
from mandate.deal.forms import DealForm, field_errors
from mandate.deal.history import timeline
from mandate.deal.live import deal_channel
from mandate.deal.models import Deal, Stage
from mandate.document import repository as document_repo
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, LimitReached, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.live import org_channel, stream_url
from mandate.organization import repository as org_repo
from mandate.web.deps import OrgPage, Page, safe_next
from mandate.web.flash import flash
from mandate.web.htmx import is_htmx
from mandate.web.templating import render, templates

router = APIRouter(include_in_schema=False)

templates.env.filters["deal_money_short"] = forms.money_short
templates.env.filters["deal_money"] = forms.money_long
templates.env.filters["initials"] = forms.initials

# Errors a form re-renders itself; anything else (401/403/404/500) gets the error page.
RECOVERABLE = frozenset({402, 409, 422})
EXPORT_FILTERS = ("q", "stage", "owner", "archived")
DEAL_DOCUMENTS = 10


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


async def _rollback(db: AsyncSession, page: Page) -> None:
    """Undo a failed write; a rollback expires every loaded row, so reload what the layout shows."""
    await db.rollback()
    for row in {id(o): o for o in (page.user, page.org, *page.organizations) if o is not None}.values():
        await db.refresh(row)


def _deal_id(raw: str) -> uuid.UUID:
    parsed = forms.parse_uuid(raw)
    if parsed is None:
        raise NotFound("No such deal")
    return parsed


async def _usage(db: AsyncSession, ctx: OrgContext) -> dict[str, Any] | None:
    tier = get_tier(ctx.organization.tier)
    cap = tier.limit(Limit.ACTIVE_DEALS)
    if cap is None:
        return None
    used = await repository.count_active(db)
    return {"used": used, "limit": cap, "tier": tier.name, "full": used >= cap}


async def _limit_error(db: AsyncSession, ctx: OrgContext, request: Request) -> LimitReached | None:
    try:
        check_limit(ctx.organization, Limit.ACTIVE_DEALS, await repository.count_active(db), base_url=_base(request))
    except LimitReached as error:
        return error
    return None


async def _member_options(db: AsyncSession) -> list[tuple[str, str]]:
    return [(str(user.id), user.full_name) for _m, user in await org_repo.members(db)]


# --- Board -------------------------------------------------------------------------------------


async def _board_context(page: Page, ctx: OrgContext, db: AsyncSession, owner: str, **extra: Any) -> dict[str, Any]:
    ctx.require(Permission.DEAL_READ)
    mine = owner == "me"
    deals = await repository.board_deals(db, owner_id=ctx.user.id if mine else None)
    open_deals = [d for d in deals if Stage(d.stage).is_open]
    return page.context(
        columns=forms.columns(deals),
        mine=mine,
        owner="me" if mine else "",
        open_count=len(open_deals),
        open_total=forms.totals(open_deals),
        usage=await _usage(db, ctx),
        stage_options=forms.STAGE_OPTIONS,
        today=utcnow().date(),
        can_write=page.can(Permission.DEAL_WRITE),
        **extra,
    )


def _board_fragment(request: Request, context: dict[str, Any]) -> Response:
    return render(request, "deal/board.html", {**context, "fragment": True}, block_name="board")


@router.get("/deals")
@router.get("/deals/board")
async def board(
    request: Request, pair: OrgPage, db: DbSession, owner: Annotated[str, Query(max_length=10)] = ""
) -> Response:
    page, ctx = pair
    if is_htmx(request):  # a live refresh: the board only
        response = _board_fragment(request, await _board_context(page, ctx, db, owner))
    else:
        live_url = await stream_url(db, [org_channel(ctx.organization.id)])  # before the board is read
        response = render(request, "deal/board.html", await _board_context(page, ctx, db, owner, live_url=live_url))
    response.headers["Vary"] = "HX-Request"
    return response


@router.post("/deals/{deal_id}/move")
async def move(
    deal_id: str,
    request: Request,
    pair: OrgPage,
    db: DbSession,
    stage: Annotated[str, Form(max_length=40)] = "",
    owner: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    page, ctx = pair
    target = forms.parse_stage(stage)
    if target is None:
        raise ValidationFailed.field("stage", "Choose a stage from the list")
    htmx = is_htmx(request)
    try:
        deal = await service.get(db, ctx, _deal_id(deal_id))
        before = deal.stage
        deal = await service.move(db, ctx, deal.id, target, base_url=_base(request))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await _rollback(db, page)
        if htmx:  # htmx swaps 2xx only: the fragment carries the prompt
            return _board_fragment(request, await _board_context(page, ctx, db, owner, error=error))
        if next.startswith("/deals/") and next != "/deals/board":
            context = await _detail_context(page, ctx, db, _deal_id(deal_id), error=error)
            return render(request, "deal/detail.html", context, status_code=error.status)
        context = await _board_context(page, ctx, db, owner, error=error)
        return render(request, "deal/board.html", context, status_code=error.status)
    if before == target.value:
        message = f"{deal.name} is already in {target.label}."
    else:
        message = f"Moved {deal.name} from {Stage(before).label} to {target.label}."
    if htmx:
        return _board_fragment(request, await _board_context(page, ctx, db, owner, moved_id=deal.id, message=message))
    default = "/deals?owner=me" if owner == "me" else "/deals"
    response = RedirectResponse(safe_next(next, default), status_code=303)
    flash(request, response, message)
    return response


# --- List --------------------------------------------------------------------------------------


@router.get("/deals/list")
async def deal_list(
    request: Request,
    pair: OrgPage,
    db: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    stage: Annotated[str, Query(max_length=40)] = "",
    owner: Annotated[str, Query(max_length=40)] = "",
    archived: Annotated[str, Query(max_length=5)] = "",
    sort: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    page, ctx = pair
    ctx.require(Permission.DEAL_READ)
    chosen_stage = forms.parse_stage(stage)
    owner_id = ctx.user.id if owner == "me" else forms.parse_uuid(owner)
    show_archived = archived in ("1", "true", "yes")
    chosen_sort = forms.parse_sort(sort)
    flt = repository.DealFilter(
        stage=chosen_stage.value if chosen_stage else None,
        owner_id=owner_id,
        q=q.strip() or None,
        archived=show_archived,
    )
    try:
        results = await repository.list_deals(db, flt, sort=chosen_sort, limit=25, cursor=cursor or None)
    except ValidationFailed:  # a stale cursor (the sort changed): start again from the first page
        cursor = ""
        results = await repository.list_deals(db, flt, sort=chosen_sort, limit=25, cursor=None)
    filters = {
        "q": q,
        "stage": chosen_stage.value if chosen_stage else "",
        "owner": "me" if owner == "me" else (str(owner_id) if owner_id else ""),
        "archived": "1" if show_archived else "",
        "sort": chosen_sort.value if chosen_sort.value != "-updated_at" else "",
    }
    query = {k: v for k, v in filters.items() if v}
    context = page.context(
        deals=results.items,
        filters=filters,
        filtered=bool(filters["q"] or filters["stage"] or filters["owner"]),
        next_url=f"/deals/list?{urlencode({**query, 'cursor': results.next_cursor})}" if results.next_cursor else "",
        first_url=f"/deals/list?{urlencode(query)}" if cursor else "",
        export_query=urlencode({k: v for k, v in query.items() if k in EXPORT_FILTERS and v}),
        owner_options=[("", "Anyone"), ("me", "Me"), *await _member_options(db)],
        stage_options=[("", "Any stage"), *forms.STAGE_OPTIONS],
        sort_options=[(s.value if s.value != "-updated_at" else "", label) for s, label in forms.SORT_LABELS.items()],
        today=utcnow().date(),
        can_write=page.can(Permission.DEAL_WRITE),
        htmx=is_htmx(request),
    )
    block = "results" if context["htmx"] else None
    return render(request, "deal/list.html", context, block_name=block, headers={"Vary": "HX-Request"})


# --- Create and edit ---------------------------------------------------------------------------


async def _render_form(
    page: Page, db: AsyncSession, form: DealForm, *, deal: Deal | None = None, status_code: int = 200, **extra: Any
) -> Response:
    context = page.context(
        form=form.values(),
        errors=form.errors,
        deal=deal,
        stage_options=forms.STAGE_OPTIONS,
        currency_options=forms.CURRENCY_OPTIONS,
        owner_options=await _member_options(db),
        **extra,
    )
    return render(page.request, "deal/form.html", context, status_code=status_code)


@router.get("/deals/new")
async def new_deal(request: Request, pair: OrgPage, db: DbSession, stage: str = "") -> Response:
    page, ctx = pair
    ctx.require(Permission.DEAL_WRITE)
    form = DealForm(owner_id=str(ctx.user.id), stage=(forms.parse_stage(stage) or Stage.SOURCING).value)
    return await _render_form(page, db, form, limit_error=await _limit_error(db, ctx, request))


@router.post("/deals/new")
async def create_deal(request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    ctx.require(Permission.DEAL_WRITE)
    form = DealForm.from_form(await request.form())
    try:
        deal = await service.create(db, ctx, form.to_create(), base_url=_base(request))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await _rollback(db, page)
        form.errors = field_errors(error)
        limit_error = error if error.status == 402 else None
        return await _render_form(page, db, form, error=error, limit_error=limit_error, status_code=error.status)
    response = RedirectResponse(f"/deals/{deal.id}", status_code=303)
    flash(request, response, f"Created {deal.name} in {Stage(deal.stage).label}.")
    return response


@router.get("/deals/{deal_id}/edit")
async def edit_deal(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    deal = await service.get(db, ctx, _deal_id(deal_id))
    ctx.require(Permission.DEAL_WRITE)
    if deal.archived:
        response = RedirectResponse(f"/deals/{deal.id}", status_code=303)
        flash(request, response, "Restore this deal before editing it.", "error")
        return response
    return await _render_form(page, db, DealForm.from_deal(deal), deal=deal)


@router.post("/deals/{deal_id}/edit")
async def update_deal(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    deal = await service.get(db, ctx, _deal_id(deal_id))
    ctx.require(Permission.DEAL_WRITE)
    form = DealForm.from_form(await request.form())
    try:
        deal = await service.update(db, ctx, deal.id, form.to_update(), base_url=_base(request))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await _rollback(db, page)
        form.errors = field_errors(error)
        deal = await service.get(db, ctx, _deal_id(deal_id))
        limit_error = error if error.status == 402 else None
        return await _render_form(
            page, db, form, deal=deal, error=error, limit_error=limit_error, status_code=error.status
        )
    response = RedirectResponse(f"/deals/{deal.id}", status_code=303)
    flash(request, response, f"Saved your changes to {deal.name}.")
    return response


# --- Deal page, archive, restore, delete -------------------------------------------------------


async def _detail_context(
    page: Page, ctx: OrgContext, db: AsyncSession, deal_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    deal = await service.get(db, ctx, deal_id)
    names = {user.id: user.full_name for _m, user in await org_repo.members(db)}
    entries = await audit_repo.for_subject(db, "deal", str(deal.id))
    documents = await document_repo.list_documents(
        db, document_repo.DocumentFilter(deal_id=deal.id), limit=DEAL_DOCUMENTS, cursor=None
    )
    return page.context(
        documents=documents.items,
        more_documents=documents.next_cursor is not None,
        can_write_documents=page.can(Permission.DOCUMENT_WRITE),
        deal=deal,
        stage=Stage(deal.stage),
        events=timeline(entries, names, deal.currency),
        stage_options=forms.STAGE_OPTIONS,
        overdue=forms.is_overdue(deal, utcnow().date()),
        can_write=page.can(Permission.DEAL_WRITE),
        can_delete=page.can(Permission.DEAL_DELETE),
        **extra,
    )


@router.get("/deals/{deal_id}")
async def deal_page(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = _deal_id(deal_id)
    if is_htmx(request):  # a live refresh; a deal deleted meanwhile gets a notice the page swaps in
        try:
            context = await _detail_context(page, ctx, db, parsed)
        except NotFound:
            return render(request, "deal/_gone.html", status_code=404, headers={"Vary": "HX-Request"})
        return render(request, "deal/detail.html", context, block_name="dealview", headers={"Vary": "HX-Request"})
    live_url = await stream_url(db, [deal_channel(parsed)])  # before the deal is read
    context = await _detail_context(page, ctx, db, parsed, live_url=live_url)
    return render(request, "deal/detail.html", context, headers={"Vary": "HX-Request"})


@router.post("/deals/{deal_id}/archive")
async def archive_deal(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    deal = await service.archive(db, ctx, _deal_id(deal_id))
    response = RedirectResponse(f"/deals/{deal.id}", status_code=303)
    flash(request, response, f"Archived {deal.name}. It no longer counts towards your active deals.")
    return response


@router.post("/deals/{deal_id}/restore")
async def restore_deal(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    try:
        deal = await service.restore(db, ctx, _deal_id(deal_id), base_url=_base(request))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await _rollback(db, page)
        context = await _detail_context(page, ctx, db, _deal_id(deal_id), error=error)
        return render(request, "deal/detail.html", context, status_code=error.status)
    response = RedirectResponse(f"/deals/{deal.id}", status_code=303)
    flash(request, response, f"Restored {deal.name} to the pipeline.")
    return response


@router.get("/deals/{deal_id}/delete")
async def confirm_delete(deal_id: str, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    deal = await service.get(db, ctx, _deal_id(deal_id))
    ctx.require(Permission.DEAL_DELETE)
    return render(page.request, "deal/delete.html", page.context(deal=deal))


@router.post("/deals/{deal_id}/delete")
async def delete_deal(deal_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    deal = await service.get(db, ctx, _deal_id(deal_id))
    name = deal.name
    await service.delete(db, ctx, deal.id)
    response = RedirectResponse("/deals/list", status_code=303)
    flash(request, response, f"Deleted {name}. Its history stays in the audit log.")
    return response
