"""The attendee list as CSV, streamed from the database in keyset batches so memory stays flat.

Columns (documented in docs/events.md): id, name, email, company, job_title, ticket_type, status,
source, registered_at, checked_in_at, cancelled_at, waitlist_seq, checkin_code, notes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from mandate.event.attendees import repository
from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.models import Event
from mandate.kit.tenancy import set_organization
from mandate.render.csvstream import BOM, CHUNK_BYTES, acsv_batches, safe_cell

HEADER = (
    "id",
    "name",
    "email",
    "company",
    "job_title",
    "ticket_type",
    "status",
    "source",
    "registered_at",
    "checked_in_at",
    "cancelled_at",
    "waitlist_seq",
    "checkin_code",
    "notes",
)


def filename(event: Event) -> str:
    return f"attendees-{event.slug}.csv"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _safe_rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Cells people typed (and the code, which may start with "-") go through `safe_cell`; ids,
    statuses, times and numbers are generated and cannot start a formula."""
    safe, iso = safe_cell, _iso
    return [
        (
            *(r[0], safe(r[1]), safe(r[2]), safe(r[3]), safe(r[4]), safe(r[5]), r[6], r[7]),
            *(iso(r[8]), iso(r[9]), iso(r[10]), r[11], safe(r[12]), safe(r[13])),
        )
        for r in rows
    ]


async def _escaped(batches: AsyncIterator[Sequence[Any]]) -> AsyncIterator[list[tuple[Any, ...]]]:
    async for rows in batches:
        yield _safe_rows(rows)


async def stream(
    factory: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    flt: repository.AttendeeFilter,
    sort: AttendeeSort,
) -> AsyncIterator[bytes]:
    """Its own session: the request's closes when the route returns, before the body is sent."""
    async with factory() as session:
        set_organization(session, organization_id)
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            async for chunk in _copied(connection, organization_id, event_id, flt, sort):
                yield chunk
            return
        batches = repository.export_batches(session, organization_id, event_id, flt, sort=sort)
        async for chunk in acsv_batches(HEADER, _escaped(batches), bom=True, escaped=True):
            yield chunk


async def _copied(
    connection: AsyncConnection,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    flt: repository.AttendeeFilter,
    sort: AttendeeSort,
) -> AsyncIterator[bytes]:
    """PostgreSQL writes the CSV itself (`COPY ... TO STDOUT`): cells escaped and times formatted in
    the query, the same text the Python path writes, at the speed of the server's own dump."""
    query = repository.export_copy_query(organization_id, event_id, flt, sort)
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    header = BOM + (",".join(HEADER) + "\n").encode()
    async with driver.cursor() as cursor:
        copy_sql = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)"
        async with cursor.copy(copy_sql, compiled.params) as copy:
            pending = bytearray(header)
            async for data in copy:
                pending += data
                if len(pending) >= CHUNK_BYTES:
                    yield bytes(pending)
                    pending.clear()
            if pending:
                yield bytes(pending)
