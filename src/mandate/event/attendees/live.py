"""Attendee changes on the event's live channel (`event:<id>`), sent after the commit with fresh counters.

The channel kind and who may listen belong to the event package; this only publishes.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees.stats import event_stats
from mandate.event.models import Attendee, Event
from mandate.live import publish
from mandate.live.channels import name

CHANGED = "attendee.changed"


def channel(event_id: uuid.UUID) -> str:
    return name("event", event_id)


async def announce(session: AsyncSession, event: Event, attendee: Attendee, action: str) -> None:
    """Counters are read now, inside the transaction, so they match what the commit makes visible."""
    await session.flush()
    stats = await event_stats(session, event)
    data: dict[str, Any] = {
        "event_id": str(event.id),
        "attendee_id": str(attendee.id),
        "action": action,
        "status": attendee.status,
        "name": attendee.name,
        "stats": stats.model_dump(mode="json"),
    }
    publish(session, channel(event.id), CHANGED, data)
