"""Counters for the dashboard: attendees per status, overall and per ticket type, and seats used."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees import repository
from mandate.event.attendees.schemas import CapacityOut, StatsOut, StatusCounts, TicketTypeStats
from mandate.event.models import Event
from mandate.kit.db import utcnow


def _capacity(used: int, total: int | None, held: int) -> CapacityOut:
    available = None if total is None else max(total - used, 0)
    return CapacityOut(used=used, total=total, available=available, held_by_offers=held)


async def event_stats(session: AsyncSession, event: Event) -> StatsOut:
    now = utcnow()
    types = await repository.ticket_types(session, event.id)
    counts = await repository.status_counts(session, event.id)
    used = await repository.seats_used(session, event.id, now)
    held = await repository.offers_held(session, event.id, now)
    overall = StatusCounts()
    per_type = {t.id: StatusCounts() for t in types}
    for type_id, status, n in counts:
        setattr(overall, status, getattr(overall, status) + n)
        if type_id in per_type:
            setattr(per_type[type_id], status, getattr(per_type[type_id], status) + n)
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
