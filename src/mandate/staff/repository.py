"""Platform-wide reads for staff; every query here deliberately crosses tenants."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.kit.tenancy import unscoped
from mandate.organization.models import Membership, Organization


async def organizations(session: AsyncSession, q: str | None, limit: int) -> list[tuple[Organization, int]]:
    members = (
        select(Membership.organization_id, func.count().label("n")).group_by(Membership.organization_id).subquery()
    )
    stmt = (
        select(Organization, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.organization_id == Organization.id)
        .order_by(Organization.created_at.desc())
        .limit(limit)
    )
    if q:
        stmt = stmt.where(
            Organization.name.icontains(q, autoescape=True) | Organization.slug.icontains(q, autoescape=True)
        )
    with unscoped(session):
        return [(o, int(n)) for o, n in (await session.execute(stmt)).all()]


async def users(session: AsyncSession, q: str | None, limit: int) -> list[User]:
    stmt = select(User).order_by(User.created_at.desc()).limit(limit)
    if q:
        stmt = stmt.where(User.email.icontains(q, autoescape=True) | User.full_name.icontains(q, autoescape=True))
    return list((await session.execute(stmt)).scalars())


async def organization(session: AsyncSession, org_id: uuid.UUID) -> Organization | None:
    return await session.get(Organization, org_id)
