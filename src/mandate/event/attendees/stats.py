"""Counters for the dashboard: attendees per status, overall and per ticket type, and seats used."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees import repository
from mandate.event.attendees.repository import SEATED_VALUES
from mandate.event.attendees.schemas import CapacityOut, StatsOut, StatusCounts, TicketTypeStats
from mandate.event.models import Event
from mandate.kit.db import utcnow


def _capacity(used: int, total: int | None, held: int) -> CapacityOut:
    available = None if total is None else max(total - used, 0)
    return CapacityOut(used=used, total=total, available=available, held_by_offers=held)


async def event_stats(session: AsyncSession, event: Event) -> StatsOut:
    now = utcnow()
    types = await repository.ticket_types(session, event.id)
    overall = StatusCounts()
    per_type = {t.id: StatusCounts() for t in types}
    used: dict[uuid.UUID, int] = {}
    held: dict[uuid.UUID, int] = {}
    for type_id, status, n, offers in await repository.status_counts(session, event.id, now):
        setattr(overall, status, getattr(overall, status) + n)
        if type_id in per_type:
            setattr(per_type[type_id], status, getattr(per_type[type_id], status) + n)
        held[type_id] = held.get(type_id, 0) + offers
        if status in SEATED_VALUES:
            used[type_id] = used.get(type_id, 0) + n
    for type_id, offers in held.items():
        used[type_id] = used.get(type_id, 0) + offers
    return StatsOut(
        event_id=event.id,
        counts=overall,
        capacity=_capacity(sum(used.values()), event.capacity, sum(held.values())),
        ticket_types=[
            TicketTypeStats(
                id=t.id,
                name=t.name,
                counts=per_type[t.id],
                capacity=_capacity(used.get(t.id, 0), t.quantity, held.get(t.id, 0)),
            )
            for t in types
        ],
    )
