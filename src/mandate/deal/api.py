from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from mandate.audit import repository as audit_repo
from mandate.authz.dependencies import CurrentOrg
from mandate.authz.roles import Permission
from mandate.deal import repository, service
from mandate.deal.cache import ListCache
from mandate.deal.models import Deal, Stage
from mandate.deal.repository import DealSummary
from mandate.deal.schemas import (
    DealCreate,
    DealExportRequest,
    DealHistory,
    DealList,
    DealOut,
    DealSort,
    DealUpdate,
    HistoryEntry,
)
from mandate.jobs.models import JobStatus
from mandate.jobs.schemas import JobAccepted
from mandate.kit.errors import responses
from mandate.kit.jsonresp import FastJSONResponse, encode_json
from mandate.kit.money import Money
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from mandate.kit.session import DbSession

router = APIRouter(prefix="/api/deals", tags=["deals"])


def deal_json(deal: Deal | DealSummary) -> dict[str, Any]:
    """The API shape of a deal (DealOut), built without model validation: lists are hot paths."""
    size = None
    if deal.deal_size_minor is not None:
        money = Money(deal.deal_size_minor, deal.currency)
        size = {"amount_minor": money.amount_minor, "currency": money.currency, "display": money.format()}
    owner = deal.owner
    return {
        "id": deal.id,
        "name": deal.name,
        "target_company": deal.target_company,
        "industry": deal.industry,
        "deal_size": size,
        "stage": deal.stage,
        "owner": {"id": owner.id, "full_name": owner.full_name, "email": owner.email} if owner else None,
        "description": deal.description,
        "expected_close": deal.expected_close,
        "archived": deal.archived_at is not None,
        "archived_at": deal.archived_at,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def deal_response(deal: Deal, status_code: int = 200) -> FastJSONResponse:
    return FastJSONResponse(deal_json(deal), status_code=status_code)


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


@router.post("", status_code=201, response_model=DealOut, responses=responses(401, 402, 403, 422))
async def create_deal(body: DealCreate, ctx: CurrentOrg, db: DbSession, request: Request) -> Response:
    return deal_response(await service.create(db, ctx, body, base_url=_base(request)), status_code=201)


@router.post("/exports", status_code=202, response_model=JobAccepted, responses=responses(401, 403, 422))
async def export_deals(ctx: CurrentOrg, db: DbSession, body: DealExportRequest | None = None) -> JobAccepted:
    """Start a CSV or Excel export of the deals matching the filters (no body: every active deal as CSV);
    poll the job for the file."""
    created = await service.start_export(db, ctx, body or DealExportRequest())
    return JobAccepted(job_id=created.id, status=JobStatus.QUEUED, poll_url=f"/api/jobs/{created.id}")


@router.get("", response_model=DealList, responses=responses(401, 403, 422))
async def list_deals(
    ctx: CurrentOrg,
    db: DbSession,
    request: Request,
    stage: Stage | None = None,
    owner: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    archived: bool = False,
    sort: DealSort = DealSort.UPDATED_DESC,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    ctx.require(Permission.DEAL_READ)
    org = ctx.organization
    cache: ListCache = request.app.state.deal_list_cache
    key = (org.id, org.deals_version, stage, owner, q, archived, sort, limit, cursor)
    body = cache.get(key)
    if body is None:
        flt = repository.DealFilter(stage=stage.value if stage else None, owner_id=owner, q=q, archived=archived)
        page = await repository.list_deals(db, flt, sort=sort, limit=limit, cursor=cursor)
        body = encode_json({"items": [deal_json(d) for d in page.items], "next_cursor": page.next_cursor})
        cache.put(key, body)
    return Response(body, media_type="application/json")


@router.get("/{deal_id}", response_model=DealOut, responses=responses(401, 403, 404))
async def get_deal(deal_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    return deal_response(await service.get(db, ctx, deal_id))


@router.patch("/{deal_id}", response_model=DealOut, responses=responses(401, 402, 403, 404, 409, 422))
async def update_deal(
    deal_id: uuid.UUID, body: DealUpdate, ctx: CurrentOrg, db: DbSession, request: Request
) -> Response:
    return deal_response(await service.update(db, ctx, deal_id, body, base_url=_base(request)))


@router.delete("/{deal_id}", status_code=204, responses=responses(401, 403, 404))
async def delete_deal(deal_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.delete(db, ctx, deal_id)
    return Response(status_code=204)


@router.post("/{deal_id}/archive", response_model=DealOut, responses=responses(401, 403, 404))
async def archive_deal(deal_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    return deal_response(await service.archive(db, ctx, deal_id))


@router.post("/{deal_id}/restore", response_model=DealOut, responses=responses(401, 402, 403, 404))
async def restore_deal(deal_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request) -> Response:
    return deal_response(await service.restore(db, ctx, deal_id, base_url=_base(request)))


@router.get("/{deal_id}/history", response_model=DealHistory, responses=responses(401, 403, 404))
async def deal_history(deal_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> DealHistory:
    deal = await service.get(db, ctx, deal_id)
    entries = await audit_repo.for_subject(db, "deal", str(deal.id))
    return DealHistory(
        items=[
            HistoryEntry(id=e.id, action=e.action, actor=e.actor_label, data=e.data, created_at=e.created_at)
            for e in entries
        ]
    )
