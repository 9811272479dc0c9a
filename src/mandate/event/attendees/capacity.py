"""Seat accounting. Registered and checked-in attendees, and waitlisted ones holding an open offer,
take a seat of their ticket type (quantity) and of the event (capacity); None means unlimited.

Callers hold the event lock (`repository.lock_event`) while they count and assign.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees import repository
from mandate.event.models import Event, TicketType
from mandate.kit.errors import Conflict


class CapacityFull(Conflict):
    code = "capacity_full"
    title = "No seat is free"


@dataclass
class Usage:
    per_type: dict[uuid.UUID, int]
    waiting: set[uuid.UUID] = field(default_factory=set)  # ticket types with someone in line

    @property
    def total(self) -> int:
        return sum(self.per_type.values())

    def event_free(self, event: Event) -> int | None:
        return None if event.capacity is None else max(event.capacity - self.total, 0)

    def type_free(self, ticket_type: TicketType) -> int | None:
        if ticket_type.quantity is None:
            return None
        return max(ticket_type.quantity - self.per_type.get(ticket_type.id, 0), 0)

    def has_seat(self, event: Event, ticket_type: TicketType) -> bool:
        return self.event_free(event) != 0 and self.type_free(ticket_type) != 0

    def take(self, ticket_type_id: uuid.UUID) -> None:
        self.per_type[ticket_type_id] = self.per_type.get(ticket_type_id, 0) + 1

    def give_back(self, ticket_type_id: uuid.UUID) -> None:
        self.per_type[ticket_type_id] = self.per_type.get(ticket_type_id, 0) - 1


def usage_of(counts: dict[uuid.UUID, tuple[int, int]]) -> Usage:
    return Usage({t: held for t, (held, _) in counts.items()}, {t for t, (_, waiting) in counts.items() if waiting})


async def usage(session: AsyncSession, event_id: uuid.UUID, now: datetime) -> Usage:
    return usage_of(await repository.seat_counts(session, event_id, now))


def someone_ahead(use: Usage, types: dict[uuid.UUID, TicketType]) -> bool:
    """Is a free seat already owed to someone in line? Then a newcomer must queue behind them."""
    return any(use.type_free(types[t]) != 0 for t in use.waiting if t in types)
