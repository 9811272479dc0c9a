"""Sign-up spans accounts and organizations: one user, one organization, one owner membership."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.account.service import create_user
from mandate.organization.models import Organization
from mandate.organization.service import check_org_name, create_organization


async def sign_up(
    session: AsyncSession, *, email: str, password: str, full_name: str, organization_name: str
) -> tuple[User, Organization]:
    check_org_name(organization_name)
    user = await create_user(session, email=email, password=password, full_name=full_name)
    org = await create_organization(session, name=organization_name, owner=user)
    return user, org
