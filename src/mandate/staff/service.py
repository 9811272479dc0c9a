from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record_raw
from mandate.authz.context import Caller
from mandate.billing.tiers import TIERS_BY_KEY
from mandate.kit.errors import NotFound, ValidationFailed
from mandate.kit.tenancy import unscoped
from mandate.organization.models import Organization
from mandate.staff import repository


async def change_tier(session: AsyncSession, staff: Caller, org_id: uuid.UUID, tier: str) -> Organization:
    org = await repository.organization(session, org_id)
    if org is None:
        raise NotFound("No such organization")
    if tier not in TIERS_BY_KEY:
        raise ValidationFailed.field("tier", f"Choose one of {', '.join(TIERS_BY_KEY)}")
    if org.tier != tier:
        old, org.tier = org.tier, tier
        with unscoped(session):  # the entry belongs to the changed organization, not staff's own
            record_raw(
                session,
                organization_id=org.id,
                actor_label=f"staff:{staff.user.email}",
                actor_user_id=staff.user.id,
                action="organization.tier_changed",
                subject_type="organization",
                subject_id=org.id,
                data={"from": old, "to": tier},
            )
            await session.flush()
    return org
