from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.kit.tenancy import unscoped
from mandate.organization.models import ApiToken, Invitation, Membership, Organization


async def get_organization(session: AsyncSession, org_id: uuid.UUID) -> Organization | None:
    return await session.get(Organization, org_id)


async def get_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    result = await session.execute(select(Organization).where(Organization.slug == slug))
    return result.scalar_one_or_none()


async def slugs_like(session: AsyncSession, prefix: str) -> set[str]:
    """Every slug starting with `prefix` (a shortened slug plus a suffix still does)."""
    stmt = select(Organization.slug).where(Organization.slug.startswith(prefix, autoescape=True))
    return set((await session.execute(stmt)).scalars())


async def memberships_of_user(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Membership, Organization]]:
    """Every organization a user belongs to; crosses tenants by design (org switcher, login)."""
    stmt = (
        select(Membership, Organization)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    )
    with unscoped(session):
        rows = (await session.execute(stmt)).all()
    return [(m, o) for m, o in rows]


async def membership_in(session: AsyncSession, user_id: uuid.UUID, org_id: uuid.UUID) -> Membership | None:
    stmt = select(Membership).where(Membership.user_id == user_id, Membership.organization_id == org_id)
    with unscoped(session):
        return (await session.execute(stmt)).scalar_one_or_none()


async def members(session: AsyncSession) -> list[tuple[Membership, User]]:
    stmt = select(Membership, User).join(User, User.id == Membership.user_id).order_by(User.full_name, User.email)
    return [(m, u) for m, u in (await session.execute(stmt)).all()]


async def member(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    stmt = select(Membership).where(Membership.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_members(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Membership.id)))).scalar_one())


async def count_role(session: AsyncSession, role: str) -> int:
    stmt = select(func.count(Membership.id)).where(Membership.role == role)
    return int((await session.execute(stmt)).scalar_one())


async def pending_invitations(session: AsyncSession) -> list[Invitation]:
    stmt = (
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def get_invitation_unscoped(session: AsyncSession, inv_id: uuid.UUID) -> Invitation | None:
    """Accepting runs before the invitee belongs to the organization."""
    with unscoped(session):
        stmt = select(Invitation).where(Invitation.id == inv_id)
        return (await session.execute(stmt)).scalar_one_or_none()


async def get_invitation(session: AsyncSession, inv_id: uuid.UUID) -> Invitation | None:
    stmt = select(Invitation).where(Invitation.id == inv_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def tokens(session: AsyncSession) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def get_token(session: AsyncSession, token_id: uuid.UUID) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.id == token_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def token_with_holder(session: AsyncSession, token_hash: str) -> tuple[ApiToken, User, Organization, str] | None:
    """One round trip for every API request: the token, its creator, organization and role.

    No row when the creator no longer belongs to the token's organization.
    """
    stmt = (
        select(ApiToken, User, Organization, Membership.role)
        .join(User, User.id == ApiToken.created_by_id)
        .join(Organization, Organization.id == ApiToken.organization_id)
        .join(
            Membership,
            (Membership.user_id == ApiToken.created_by_id) & (Membership.organization_id == ApiToken.organization_id),
        )
        .where(ApiToken.token_hash == token_hash)
    )
    with unscoped(session):
        row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1], row[2], row[3]) if row else None


async def bump_deals_version(session: AsyncSession, org_ids: list[uuid.UUID]) -> None:
    """Incremented in SQL so concurrent writers never hand out the same version twice."""
    if not org_ids:
        return
    stmt = (
        update(Organization)
        .where(Organization.id.in_(org_ids))
        .values(deals_version=Organization.deals_version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)
