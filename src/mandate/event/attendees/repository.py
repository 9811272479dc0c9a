"""Every query on attendees, plus the small tenant-scoped lookups of events and ticket types they need."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import cast as type_cast

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.models import Attendee, AttendeeHistory, AttendeeStatus, TicketType

# Event lookups, the seat rule and the lock are the event package's; attendee code reaches them here.
from mandate.event.repository import SEATED_VALUES as SEATED_VALUES
from mandate.event.repository import get_event as get_event
from mandate.event.repository import get_event_by_slug as get_event_by_slug
from mandate.event.repository import get_ticket_type as get_ticket_type
from mandate.event.repository import holds_seat as holds_seat
from mandate.event.repository import lock_event as lock_event
from mandate.kit.errors import ValidationFailed
from mandate.kit.pagination import Cursor, Page, decode_cursor, encode_cursor
from mandate.kit.tenancy import unscoped
from mandate.render.csvstream import FORMULA_STARTS

S = AttendeeStatus


async def ticket_types(session: AsyncSession, event_id: uuid.UUID) -> list[TicketType]:
    stmt = select(TicketType).where(TicketType.event_id == event_id).order_by(TicketType.position, TicketType.name)
    return list((await session.scalars(stmt)).all())


async def lock_ticket_type(session: AsyncSession, event_id: uuid.UUID, ticket_type_id: uuid.UUID) -> TicketType | None:
    stmt = (
        select(TicketType)
        .where(TicketType.id == ticket_type_id, TicketType.event_id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def seats_used(session: AsyncSession, event_id: uuid.UUID, now: datetime) -> dict[uuid.UUID, int]:
    """Seats held per ticket type."""
    return {type_id: held for type_id, (held, _waiting) in (await seat_counts(session, event_id, now)).items()}


async def seat_counts(session: AsyncSession, event_id: uuid.UUID, now: datetime) -> dict[uuid.UUID, tuple[int, int]]:
    """Per ticket type: seats held, and how many are in line (waitlisted, no offer yet). One query."""
    in_line = and_(Attendee.status == S.WAITLISTED.value, Attendee.offer_expires_at.is_(None))
    stmt = (
        select(
            Attendee.ticket_type_id,
            func.sum(case((holds_seat(now), 1), else_=0)),
            func.sum(case((in_line, 1), else_=0)),
        )
        .where(Attendee.event_id == event_id, Attendee.status != S.CANCELLED.value)
        .group_by(Attendee.ticket_type_id)
    )
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class SeatSnapshot:
    """Everything a registration decides on, read under the event lock in one round trip."""

    types: dict[uuid.UUID, TicketType]  # re-read: quantities as they are now
    counts: dict[uuid.UUID, tuple[int, int]]  # per ticket type: seats held, in line without an offer
    waitlisted: int  # attendees on the waitlist with a place in it
    last_waitlist_seq: int


async def seat_snapshot(session: AsyncSession, event_id: uuid.UUID, now: datetime) -> SeatSnapshot:
    """The event's ticket types with their seat counts, the waitlist's length and its last number."""
    in_line = and_(Attendee.status == S.WAITLISTED.value, Attendee.offer_expires_at.is_(None))
    listed = and_(Attendee.status == S.WAITLISTED.value, Attendee.waitlist_seq.is_not(None))
    stmt = (
        select(
            TicketType,
            func.sum(case((holds_seat(now), 1), else_=0)),
            func.sum(case((in_line, 1), else_=0)),
            func.sum(case((listed, 1), else_=0)),
            func.max(Attendee.waitlist_seq),
        )
        .outerjoin(Attendee, and_(Attendee.ticket_type_id == TicketType.id, Attendee.event_id == event_id))
        .where(TicketType.event_id == event_id)
        .group_by(TicketType.id)
        .execution_options(populate_existing=True)
    )
    rows = (await session.execute(stmt)).all()
    return SeatSnapshot(
        types={row[0].id: row[0] for row in rows},
        counts={row[0].id: (int(row[1] or 0), int(row[2] or 0)) for row in rows},
        waitlisted=sum(int(row[3] or 0) for row in rows),
        last_waitlist_seq=max((int(row[4] or 0) for row in rows), default=0),
    )


async def in_line(session: AsyncSession, event_id: uuid.UUID) -> list[Attendee]:
    """Waitlisted without an offer, first in line first."""
    stmt = (
        select(Attendee)
        .where(
            Attendee.event_id == event_id,
            Attendee.status == S.WAITLISTED.value,
            Attendee.offer_expires_at.is_(None),
        )
        .order_by(Attendee.waitlist_seq, Attendee.id)
    )
    return list((await session.scalars(stmt)).all())


async def expired_offers(session: AsyncSession, event_id: uuid.UUID, now: datetime) -> list[Attendee]:
    stmt = (
        select(Attendee)
        .where(
            Attendee.event_id == event_id,
            Attendee.status == S.WAITLISTED.value,
            Attendee.offer_expires_at <= now,
        )
        .order_by(Attendee.waitlist_seq)
    )
    return list((await session.scalars(stmt)).all())


async def waitlist_position(session: AsyncSession, attendee: Attendee) -> int | None:
    if attendee.status != S.WAITLISTED.value or attendee.waitlist_seq is None:
        return None
    stmt = select(func.count(Attendee.id)).where(
        Attendee.event_id == attendee.event_id,
        Attendee.status == S.WAITLISTED.value,
        Attendee.waitlist_seq < attendee.waitlist_seq,
    )
    return int(await session.scalar(stmt) or 0) + 1


async def active_by_email(session: AsyncSession, event_id: uuid.UUID, email: str) -> Attendee | None:
    stmt = select(Attendee).where(
        Attendee.event_id == event_id, Attendee.email == email, Attendee.status != S.CANCELLED.value
    )
    return await session.scalar(stmt)


async def get_attendee(
    session: AsyncSession, event_id: uuid.UUID, attendee_id: uuid.UUID, *, lock: bool = False
) -> Attendee | None:
    stmt = select(Attendee).where(Attendee.id == attendee_id, Attendee.event_id == event_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def by_code_in_event(session: AsyncSession, event_id: uuid.UUID, code: str) -> Attendee | None:
    return await session.scalar(select(Attendee).where(Attendee.checkin_code == code, Attendee.event_id == event_id))


async def organization_of_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    """The one cross-tenant lookup: a ticket link carries only its code."""
    with unscoped(session):
        found = await session.scalar(select(Attendee.organization_id).where(Attendee.checkin_code == code))
    return found


async def by_code(session: AsyncSession, code: str) -> Attendee | None:
    return await session.scalar(select(Attendee).where(Attendee.checkin_code == code))


async def history(session: AsyncSession, attendee_id: uuid.UUID) -> list[AttendeeHistory]:
    stmt = (
        select(AttendeeHistory)
        .where(AttendeeHistory.attendee_id == attendee_id)
        .order_by(AttendeeHistory.created_at, AttendeeHistory.id)
    )
    return list((await session.scalars(stmt)).all())


async def status_counts(
    session: AsyncSession, event_id: uuid.UUID, now: datetime
) -> list[tuple[uuid.UUID, str, int, int]]:
    """(ticket type, status, attendees, of them holding an open offer). One query."""
    open_offer = and_(Attendee.status == S.WAITLISTED.value, Attendee.offer_expires_at > now)
    stmt = (
        select(
            Attendee.ticket_type_id,
            Attendee.status,
            func.count(Attendee.id),
            func.sum(case((open_offer, 1), else_=0)),
        )
        .where(Attendee.event_id == event_id)
        .group_by(Attendee.ticket_type_id, Attendee.status)
    )
    return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in (await session.execute(stmt)).all()]


# Lists and export ---------------------------------------------------------------------------


@dataclass
class AttendeeFilter:
    status: str | None = None
    ticket_type_id: uuid.UUID | None = None
    checked_in: bool | None = None
    q: str | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None


def _apply_filter(stmt: Select[Any], event_id: uuid.UUID, flt: AttendeeFilter) -> Select[Any]:
    stmt = stmt.where(Attendee.event_id == event_id)
    if flt.status:
        stmt = stmt.where(Attendee.status == flt.status)
    if flt.ticket_type_id:
        stmt = stmt.where(Attendee.ticket_type_id == flt.ticket_type_id)
    if flt.checked_in is not None:
        checked = Attendee.checked_in_at.is_not(None) & (Attendee.status == S.CHECKED_IN.value)
        stmt = stmt.where(checked if flt.checked_in else ~checked)
    if flt.q:
        needle = flt.q.lower()  # literal: % and _ are not wildcards
        stmt = stmt.where(
            or_(
                func.lower(Attendee.name).contains(needle, autoescape=True),
                Attendee.email.contains(needle, autoescape=True),
                func.lower(Attendee.company).contains(needle, autoescape=True),
            )
        )
    if flt.registered_from:
        stmt = stmt.where(Attendee.registered_at >= flt.registered_from)
    if flt.registered_to:
        stmt = stmt.where(Attendee.registered_at < flt.registered_to)
    return stmt


def _sort_expression(sort: AttendeeSort) -> ColumnElement[Any]:
    field = sort.value.lstrip("-")
    expressions: dict[str, ColumnElement[Any]] = {
        "name": func.lower(Attendee.name),
        "registered_at": Attendee.registered_at.expression,
        "status": Attendee.status.expression,
    }
    return expressions[field]


def _parse_cursor_value(sort: AttendeeSort, raw: Any) -> Any:
    if not isinstance(raw, str):
        raise ValueError("cursor value must be a string")
    if sort.value.lstrip("-") == "registered_at":
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("cursor time has no timezone")
        return moment
    return raw


def _after(stmt: Select[Any], sort: AttendeeSort, cursor: str) -> Select[Any]:
    expr = _sort_expression(sort)
    after = decode_cursor(cursor, sort=sort.value)
    try:
        value, last_id = _parse_cursor_value(sort, after.value), uuid.UUID(after.id)
    except ValueError:
        raise ValidationFailed.field("cursor", "Cursor is not valid") from None
    if sort.value.startswith("-"):
        return stmt.where(or_(expr < value, and_(expr == value, Attendee.id < last_id)))
    return stmt.where(or_(expr > value, and_(expr == value, Attendee.id > last_id)))


def _cursor_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def list_attendees(
    session: AsyncSession,
    event_id: uuid.UUID,
    flt: AttendeeFilter,
    *,
    sort: AttendeeSort,
    limit: int,
    cursor: str | None,
) -> Page[Attendee]:
    expr = _sort_expression(sort)
    stmt = _apply_filter(select(Attendee, expr.label("sort_key")), event_id, flt)
    if cursor:
        stmt = _after(stmt, sort, cursor)
    order = (expr.desc(), Attendee.id.desc()) if sort.value.startswith("-") else (expr.asc(), Attendee.id.asc())
    rows = (await session.execute(stmt.order_by(*order).limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(Cursor(sort.value, _cursor_value(last[1]), str(last[0].id)))
    return Page([row[0] for row in rows], next_cursor)


EXPORT_COLUMNS = (
    Attendee.id,
    Attendee.name,
    Attendee.email,
    Attendee.company,
    Attendee.job_title,
    TicketType.name,
    Attendee.status,
    Attendee.source,
    Attendee.registered_at,
    Attendee.checked_in_at,
    Attendee.cancelled_at,
    Attendee.waitlist_seq,
    Attendee.checkin_code,
    Attendee.notes,
)


def _export_select(
    columns: Sequence[Any],
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    flt: AttendeeFilter,
    sort: AttendeeSort,
) -> Select[Any]:
    expr = _sort_expression(sort)
    order = (expr.desc(), Attendee.id.desc()) if sort.value.startswith("-") else (expr.asc(), Attendee.id.asc())
    stmt = type_cast(Select[Any], select(*columns)).join(TicketType, TicketType.id == Attendee.ticket_type_id)
    return (
        _apply_filter(stmt, event_id, flt)
        .where(Attendee.organization_id == organization_id, TicketType.organization_id == organization_id)
        .order_by(*order)
    )


def _sql_safe(column: Any) -> ColumnElement[Any]:
    """`safe_cell` in SQL: a cell a spreadsheet would read as a formula gets a leading '."""
    starts = func.substr(column, 1, 1).in_(FORMULA_STARTS)
    return case((starts, literal("'") + column), else_=column)


def _sql_iso(column: Any) -> ColumnElement[Any]:
    """UTC times as ISO 8601, the same text Python's `isoformat()` gives an aware UTC time."""
    utc = func.timezone("UTC", column)
    with_micro = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    whole = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
    return case((func.extract("microseconds", utc) % 1000000 == 0, whole), else_=with_micro)


def export_copy_query(
    organization_id: uuid.UUID, event_id: uuid.UUID, flt: AttendeeFilter, sort: AttendeeSort
) -> Select[Any]:
    """The export as text columns, escaped and formatted in PostgreSQL, for `COPY ... TO STDOUT`."""
    safe = _sql_safe
    columns = (
        cast(Attendee.id, String),
        *(safe(Attendee.name), safe(Attendee.email), safe(Attendee.company), safe(Attendee.job_title)),
        *(safe(TicketType.name), Attendee.status, Attendee.source),
        *(_sql_iso(Attendee.registered_at), _sql_iso(Attendee.checked_in_at), _sql_iso(Attendee.cancelled_at)),
        *(cast(Attendee.waitlist_seq, String), safe(Attendee.checkin_code), safe(Attendee.notes)),
    )
    return _export_select(columns, organization_id, event_id, flt, sort)


async def export_batches(
    session: AsyncSession,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    flt: AttendeeFilter,
    *,
    sort: AttendeeSort,
    batch: int = 2000,
) -> AsyncIterator[Sequence[Any]]:
    """Plain row tuples in `sort` order, streamed from one query (a server-side cursor on PostgreSQL)
    and handed out a batch at a time, so memory stays flat whatever the size.

    Core execution skips the ORM layer (most of the cost per row) and with it the tenant hook, so
    both tables are scoped to the organization here explicitly.
    """
    stmt = _export_select(EXPORT_COLUMNS, organization_id, event_id, flt, sort).execution_options(yield_per=batch)
    connection = await session.connection()
    result = await connection.stream(stmt)
    async for rows in result.partitions(batch):
        yield rows
