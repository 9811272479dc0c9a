"""Live updates for deals: the `deal:<id>` channel, who may listen, and what a change announces.

Every change goes out as `deal.changed` on the organization's channel (the board) and on the
deal's own channel (the deal page), after the commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.deal import repository
from mandate.deal.models import Stage
from mandate.live import Listener, org_channel, publish, register
from mandate.live.channels import name, parse_uuid

CHANGED = "deal.changed"

_VERBS = {
    "created": "added",
    "updated": "updated",
    "moved": "moved",
    "archived": "archived",
    "restored": "restored",
    "deleted": "deleted",
}


def deal_channel(deal_id: uuid.UUID) -> str:
    return name("deal", deal_id)


async def _authorise(session: AsyncSession, listener: Listener, resource_id: str) -> bool:
    """The deal must be in the organization the listener acts in (the query is tenant-scoped)."""
    deal_id = parse_uuid(resource_id)
    org = listener.org
    if deal_id is None or org is None or not org.can(Permission.DEAL_READ):
        return False
    return await repository.get_deal(session, deal_id) is not None


register("deal", _authorise)


def _message(ctx: OrgContext, action: str, deal_name: str, stage: str) -> str:
    actor = ctx.user.full_name
    if action == "moved":
        return f"{actor} moved {deal_name} to {Stage(stage).label}."
    return f"{actor} {_VERBS[action]} {deal_name}."


def announce(
    session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID, action: str, deal_name: str, stage: str
) -> None:
    data = {
        "deal_id": str(deal_id),
        "action": action,
        "name": deal_name,
        "stage": stage,
        "actor_id": str(ctx.user.id),
        "message": _message(ctx, action, deal_name, stage),
    }
    publish(session, org_channel(ctx.organization.id), CHANGED, data)
    publish(session, deal_channel(deal_id), CHANGED, data)
