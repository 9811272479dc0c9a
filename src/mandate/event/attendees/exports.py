"""The attendee list as CSV, streamed from the database in keyset batches so memory stays flat.

Columns (documented in docs/events.md): id, name, email, company, job_title, ticket_type, status,
source, registered_at, checked_in_at, cancelled_at, waitlist_seq, checkin_code, notes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mandate.event.attendees import repository
from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.models import Event
from mandate.kit.tenancy import set_organization
from mandate.render.csvstream import acsv_chunks

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


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def _rows(
    session: AsyncSession, event_id: uuid.UUID, flt: repository.AttendeeFilter, sort: AttendeeSort
) -> AsyncIterator[list[Any]]:
    async for row in repository.export_rows(session, event_id, flt, sort=sort):
        yield [_cell(v) for v in row]


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
        async for chunk in acsv_chunks(HEADER, _rows(session, event_id, flt, sort), bom=True):
            yield chunk
