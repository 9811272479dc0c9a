from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from mandate.account.api import org_out, user_out
from mandate.account.schemas import OrganizationOut, UserOut
from mandate.audit import repository as audit_repo
from mandate.audit.api import AuditFilterDep, PagingDep, audit_page
from mandate.audit.schemas import AuditList
from mandate.authz.dependencies import StaffCaller
from mandate.kit.errors import responses
from mandate.kit.pagination import MAX_LIMIT
from mandate.kit.session import DbSession
from mandate.staff import repository, service

router = APIRouter(prefix="/api/staff", tags=["staff"])


class StaffOrganization(OrganizationOut):
    members: int
    created_at: datetime


class StaffOrganizationList(BaseModel):
    items: list[StaffOrganization]


class StaffUserList(BaseModel):
    items: list[UserOut]


class TierChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: str


@router.get("/organizations", response_model=StaffOrganizationList, responses=responses(401, 404))
async def staff_organizations(
    staff: StaffCaller, db: DbSession, q: Annotated[str | None, Query(max_length=100)] = None
) -> StaffOrganizationList:
    rows = await repository.organizations(db, q, limit=MAX_LIMIT)
    return StaffOrganizationList(
        items=[StaffOrganization(**org_out(o).model_dump(), members=n, created_at=o.created_at) for o, n in rows]
    )


@router.patch("/organizations/{org_id}", response_model=OrganizationOut, responses=responses(401, 404, 422))
async def staff_change_tier(org_id: uuid.UUID, body: TierChange, staff: StaffCaller, db: DbSession) -> OrganizationOut:
    return org_out(await service.change_tier(db, staff, org_id, body.tier))


@router.get("/users", response_model=StaffUserList, responses=responses(401, 404))
async def staff_users(
    staff: StaffCaller, db: DbSession, q: Annotated[str | None, Query(max_length=100)] = None
) -> StaffUserList:
    return StaffUserList(items=[user_out(u) for u in await repository.users(db, q, limit=MAX_LIMIT)])


@router.get("/audit", response_model=AuditList, responses=responses(401, 404, 422))
async def staff_audit(
    staff: StaffCaller,
    db: DbSession,
    flt: AuditFilterDep,
    paging: PagingDep,
    organization_id: uuid.UUID | None = None,
) -> AuditList:
    flt.organization_id = organization_id
    entries = await audit_repo.list_all_orgs(db, flt, limit=paging.limit + 1, before=paging.before)
    return audit_page(entries, paging.limit)
