"""Every query on events, schedule sessions and ticket types (attendee queries live with attendees)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.models import Attendee, AttendeeStatus, Event, EventSession, EventStatus, TicketType
from mandate.kit.db import utcnow
from mandate.kit.errors import ValidationFailed
from mandate.kit.pagination import Cursor, Page, decode_cursor, encode_cursor
from mandate.kit.tenancy import unscoped
from mandate.organization.models import Organization

LIST_SORT = "starts_at"
SEATED_VALUES = (AttendeeStatus.REGISTERED.value, AttendeeStatus.CHECKED_IN.value)


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> Event | None:
    return (await session.execute(select(Event).where(Event.id == event_id))).scalar_one_or_none()


async def lock_event(session: AsyncSession, event_id: uuid.UUID) -> Event | None:
    """Serialise every change to an event's seats, and re-read it.

    A no-op UPDATE ... RETURNING is the first statement: on PostgreSQL it takes the row lock (held to
    the commit, like SELECT ... FOR UPDATE), on SQLite it takes the database's write lock before
    anything is counted (a deferred transaction that read first could not upgrade under contention).
    Every path that assigns or frees seats, or changes a capacity or quantity, takes this lock first.
    """
    stmt = (
        update(Event)
        .where(Event.id == event_id)
        .values(updated_at=Event.updated_at)
        .returning(Event)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_event_by_slug(session: AsyncSession, slug: str) -> Event | None:
    return (await session.execute(select(Event).where(Event.slug == slug))).scalar_one_or_none()


async def slug_taken(session: AsyncSession, slug: str, *, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Event.id).where(Event.slug == slug)
    if exclude is not None:
        stmt = stmt.where(Event.id != exclude)
    return (await session.execute(stmt.limit(1))).first() is not None


async def slugs_like(session: AsyncSession, prefix: str) -> set[str]:
    stmt = select(Event.slug).where(Event.slug.startswith(prefix, autoescape=True))
    return set((await session.execute(stmt)).scalars())


@dataclass
class EventFilter:
    """`status` is the status as shown: a published event that has ended counts as completed."""

    status: str | None = None
    q: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None


def _status_clause(status: str, now: datetime) -> Any:
    ended = and_(Event.ends_at.is_not(None), Event.ends_at < now)
    if status == EventStatus.COMPLETED.value:
        return or_(Event.status == status, and_(Event.status == EventStatus.PUBLISHED.value, ended))
    if status == EventStatus.PUBLISHED.value:
        return and_(Event.status == status, or_(Event.ends_at.is_(None), Event.ends_at >= now))
    return Event.status == status


async def list_events(session: AsyncSession, flt: EventFilter, *, limit: int, cursor: str | None) -> Page[Event]:
    """Soonest first; drafts without a start date come last. Keyset pages on (start, id)."""
    stmt = select(Event)
    if flt.status:
        stmt = stmt.where(_status_clause(flt.status, utcnow()))
    if flt.q:
        needle = flt.q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Event.title).contains(needle, autoescape=True),
                func.lower(Event.venue_name).contains(needle, autoescape=True),
            )
        )
    if flt.starts_from:
        stmt = stmt.where(Event.starts_at >= flt.starts_from)
    if flt.starts_to:
        stmt = stmt.where(Event.starts_at < flt.starts_to)
    if cursor:
        after = decode_cursor(cursor, sort=LIST_SORT)
        try:
            last_id = uuid.UUID(after.id)
            value = datetime.fromisoformat(after.value) if after.value is not None else None
        except (ValueError, TypeError):
            raise ValidationFailed.field("cursor", "Cursor is not valid") from None
        if value is None:
            stmt = stmt.where(Event.starts_at.is_(None), Event.id > last_id)
        else:
            stmt = stmt.where(
                or_(
                    Event.starts_at > value,
                    and_(Event.starts_at == value, Event.id > last_id),
                    Event.starts_at.is_(None),
                )
            )
    stmt = stmt.order_by(Event.starts_at.is_(None), Event.starts_at, Event.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        value_out = last.starts_at.isoformat() if last.starts_at else None
        next_cursor = encode_cursor(Cursor(LIST_SORT, value_out, str(last.id)))
    return Page(rows, next_cursor)


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """Events per shown status (for the list's tabs)."""
    now = utcnow()
    counts: dict[str, int] = {}
    for status in EventStatus:
        stmt = select(func.count(Event.id)).where(_status_clause(status.value, now))
        counts[status.value] = int(await session.scalar(stmt) or 0)
    return counts


# --- Seats: shared with the attendee code -------------------------------------------------------


def holds_seat(now: datetime) -> ColumnElement[bool]:
    """The one seat rule: registered, checked in, or waitlisted with an offer still open."""
    return or_(
        Attendee.status.in_(SEATED_VALUES),
        and_(Attendee.status == AttendeeStatus.WAITLISTED.value, Attendee.offer_expires_at > now),
    )


async def seats_in_use(session: AsyncSession, event_id: uuid.UUID, ticket_type_id: uuid.UUID | None = None) -> int:
    stmt = select(func.count(Attendee.id)).where(Attendee.event_id == event_id, holds_seat(utcnow()))
    if ticket_type_id is not None:
        stmt = stmt.where(Attendee.ticket_type_id == ticket_type_id)
    return int(await session.scalar(stmt) or 0)


async def seats_by_ticket_type(session: AsyncSession, event_id: uuid.UUID) -> dict[uuid.UUID, int]:
    stmt = (
        select(Attendee.ticket_type_id, func.count(Attendee.id))
        .where(Attendee.event_id == event_id, holds_seat(utcnow()))
        .group_by(Attendee.ticket_type_id)
    )
    return {row[0]: int(row[1]) for row in (await session.execute(stmt)).all()}


async def count_attendees(
    session: AsyncSession, event_id: uuid.UUID, *, ticket_type_id: uuid.UUID | None = None
) -> int:
    """Every attendee row, whatever its status (deleting must not orphan history)."""
    stmt = select(func.count(Attendee.id)).where(Attendee.event_id == event_id)
    if ticket_type_id is not None:
        stmt = stmt.where(Attendee.ticket_type_id == ticket_type_id)
    return int(await session.scalar(stmt) or 0)


# --- Sessions -----------------------------------------------------------------------------------


async def list_sessions(session: AsyncSession, event_id: uuid.UUID, *, by_time: bool = False) -> list[EventSession]:
    """In the organizer's order (position), or by time for the schedule (position breaks ties)."""
    order = (
        (EventSession.starts_at, EventSession.position, EventSession.id)
        if by_time
        else (EventSession.position, EventSession.starts_at, EventSession.id)
    )
    stmt = select(EventSession).where(EventSession.event_id == event_id).order_by(*order)
    return list((await session.execute(stmt)).scalars())


async def get_session(session: AsyncSession, event_id: uuid.UUID, session_id: uuid.UUID) -> EventSession | None:
    stmt = select(EventSession).where(EventSession.id == session_id, EventSession.event_id == event_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def room_overlap(
    session: AsyncSession,
    event_id: uuid.UUID,
    room: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    exclude: uuid.UUID | None = None,
) -> EventSession | None:
    """The first session in the same room (case-insensitive) whose time overlaps [starts_at, ends_at)."""
    stmt = select(EventSession).where(
        EventSession.event_id == event_id,
        func.lower(EventSession.room) == room.lower(),
        EventSession.starts_at < ends_at,
        EventSession.ends_at > starts_at,
    )
    if exclude is not None:
        stmt = stmt.where(EventSession.id != exclude)
    return (await session.execute(stmt.order_by(EventSession.starts_at).limit(1))).scalar_one_or_none()


async def sessions_outside(session: AsyncSession, event_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> int:
    stmt = select(func.count(EventSession.id)).where(
        EventSession.event_id == event_id, or_(EventSession.starts_at < starts_at, EventSession.ends_at > ends_at)
    )
    return int(await session.scalar(stmt) or 0)


async def next_session_position(session: AsyncSession, event_id: uuid.UUID) -> int:
    stmt = select(func.max(EventSession.position)).where(EventSession.event_id == event_id)
    current = await session.scalar(stmt)
    return 0 if current is None else int(current) + 1


# --- Ticket types -------------------------------------------------------------------------------


async def list_ticket_types(session: AsyncSession, event_id: uuid.UUID) -> list[TicketType]:
    stmt = select(TicketType).where(TicketType.event_id == event_id).order_by(TicketType.position, TicketType.id)
    return list((await session.execute(stmt)).scalars())


async def get_ticket_type(session: AsyncSession, event_id: uuid.UUID, ticket_type_id: uuid.UUID) -> TicketType | None:
    stmt = select(TicketType).where(TicketType.id == ticket_type_id, TicketType.event_id == event_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_ticket_types(session: AsyncSession, event_id: uuid.UUID) -> int:
    stmt = select(func.count(TicketType.id)).where(TicketType.event_id == event_id)
    return int(await session.scalar(stmt) or 0)


async def next_ticket_position(session: AsyncSession, event_id: uuid.UUID) -> int:
    stmt = select(func.max(TicketType.position)).where(TicketType.event_id == event_id)
    current = await session.scalar(stmt)
    return 0 if current is None else int(current) + 1


# --- Public lookups -----------------------------------------------------------------------------


async def organization_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    """Organizations are not tenant rows, but the lookup crosses tenants by design (public pages)."""
    with unscoped(session):
        stmt = select(Organization).where(Organization.slug == slug)
        return (await session.execute(stmt)).scalar_one_or_none()
