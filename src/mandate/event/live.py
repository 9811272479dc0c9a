"""Live updates for events: the `event:<id>` channel, who may listen, and `event.changed`.

The attendee code publishes its own events (registrations, check-ins, counters) on the same channel.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event import repository
from mandate.live import Listener, publish, register
from mandate.live.channels import name, parse_uuid

CHANGED = "event.changed"


def event_channel(event_id: uuid.UUID) -> str:
    return name("event", event_id)


async def _authorise(session: AsyncSession, listener: Listener, resource_id: str) -> bool:
    """The event must be in the organization the listener acts in (the query is tenant-scoped)."""
    event_id = parse_uuid(resource_id)
    org = listener.org
    if event_id is None or org is None or not org.can(Permission.EVENT_READ):
        return False
    return await repository.get_event(session, event_id) is not None


register("event", _authorise)


def announce(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, action: str, **data: Any) -> None:
    """`event.changed` after the commit: what changed (`action`, e.g. `updated`, `session_added`) and who did it."""
    payload = {"event_id": str(event_id), "action": action, "actor_id": str(ctx.user.id), "actor": ctx.user.full_name}
    publish(session, event_channel(event_id), CHANGED, {**payload, **data})
