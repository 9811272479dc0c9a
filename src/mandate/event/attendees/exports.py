"""The attendee list as CSV, streamed from the database in keyset batches so memory stays flat.

Columns (documented in docs/events.md): id, name, email, company, job_title, ticket_type, status,
source, registered_at, checked_in_at, cancelled_at, waitlist_seq, checkin_code, notes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mandate.event.attendees import repository
from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.models import Event
from mandate.kit.tenancy import set_organization
from mandate.render.csvstream import acsv_batches, safe_cell

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
        batches = repository.export_batches(session, organization_id, event_id, flt, sort=sort)
        async for chunk in acsv_batches(HEADER, _escaped(batches), bom=True, escaped=True):
            yield chunk
