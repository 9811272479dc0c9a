"""The door page (`/events/{id}/door`): check people in by scanned or typed code, or find them by name.

A typed code is a plain form post that re-renders the page with the result; with htmx only the
result swaps in and the code field is ready for the next person. Scanning (static/door.js) fills the
same field and submits the same form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event.attendees import pages, repository, service
from mandate.event.attendees.repository import AttendeeFilter
from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.attendees.service import AttendeeCancelled, AttendeeWaitlisted
from mandate.event.attendees.stats import event_stats
from mandate.event.attendees.views import parse_id
from mandate.event.models import Attendee, Event
from mandate.kit.errors import AppError, NotFound
from mandate.kit.session import DbSession
from mandate.web.deps import OrgPage, Page
from mandate.web.formkit import rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 10
TICKET_PATH = "/t/"


@dataclass(frozen=True)
class DoorResult:
    kind: str  # success, warning or error: the colour, icon and ARIA role of the result box
    title: str
    who: str = ""
    ticket: str = ""
    detail: str = ""


def read_code(raw: str) -> str:
    """A typed code, or a scanned ticket link (`…/t/<code>`) reduced to its code."""
    text = raw.strip()
    if TICKET_PATH in text:
        text = text.rsplit(TICKET_PATH, 1)[1].split("?", 1)[0].split("/", 1)[0]
    return text


async def _event(db: AsyncSession, ctx: OrgContext, event_id: str) -> Event:
    # The door exists to check people in: viewers (read-only) are refused here too.
    return await service.event_for(db, ctx, parse_id(event_id), Permission.EVENT_WRITE)


async def _context(page: Page, db: AsyncSession, event: Event, q: str, **extra: Any) -> dict[str, Any]:
    matches: list[Attendee] = []
    if q:
        found = await repository.list_attendees(
            db, event.id, AttendeeFilter(q=q), sort=AttendeeSort.NAME, limit=SEARCH_LIMIT, cursor=None
        )
        matches = found.items
    return page.context(
        event=event, stats=await event_stats(db, event), q=q, matches=matches, htmx=is_htmx(page.request), **extra
    )


@router.get("/events/{event_id}/door")
async def door(event_id: str, pair: OrgPage, db: DbSession, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    page, ctx = pair
    event = await _event(db, ctx, event_id)
    return render(page.request, "event/door.html", await _context(page, db, event, q.strip()))


async def _ticket_name(db: AsyncSession, event: Event, attendee: Attendee) -> str:
    ticket_type = await repository.get_ticket_type(db, event.id, attendee.ticket_type_id)
    return ticket_type.name if ticket_type else ""


async def _refused(db: AsyncSession, event: Event, error: AppError) -> DoorResult:
    raw_id = error.extra.get("attendee_id")
    attendee = await repository.get_attendee(db, event.id, uuid.UUID(raw_id)) if raw_id else None
    who = attendee.name if attendee else ""
    if isinstance(error, AttendeeCancelled):
        when = pages.in_zone(attendee.cancelled_at, event.timezone) if attendee and attendee.cancelled_at else ""
        detail = (
            f"Cancelled on {when}. This ticket no longer gets them in."
            if when
            else "This ticket no longer gets them in."
        )
        return DoorResult("error", "Not checked in: registration cancelled", who, detail=detail)
    if isinstance(error, AttendeeWaitlisted):
        detail = "They have no seat yet. Promote them from the attendee list if a seat is free."
        return DoorResult("error", "Not checked in: on the waitlist", who, detail=detail)
    return DoorResult("error", "Not checked in", who, detail=error.detail)


async def _check(db: AsyncSession, ctx: OrgContext, event: Event, code: str) -> tuple[DoorResult, int]:
    if not code:
        return DoorResult("error", "No code entered", detail="Scan the ticket or type its code."), 422
    try:
        done = await service.check_in(db, ctx, event.id, code)
    except NotFound:
        detail = "Check the code, or find the person by name below."
        return DoorResult("error", "No ticket with this code", detail=detail), 404
    ticket = await _ticket_name(db, event, done.attendee)
    if done.already_checked_in:
        at = pages.in_zone(done.attendee.checked_in_at, event.timezone, "%H:%M")
        return DoorResult("warning", f"Already checked in at {at}", done.attendee.name, ticket), 200
    return DoorResult("success", "Checked in", done.attendee.name, ticket), 200


@router.post("/events/{event_id}/door")
async def check_in(
    event_id: str,
    request: Request,
    pair: OrgPage,
    db: DbSession,
    code: Annotated[str, Form(max_length=200)] = "",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page, ctx = pair
    event = await _event(db, ctx, event_id)
    try:
        result, status = await _check(db, ctx, event, read_code(code))
    except (AttendeeCancelled, AttendeeWaitlisted) as error:
        await rollback_page(db, page)
        event = await _event(db, ctx, event_id)
        result, status = await _refused(db, event, error), error.status
    context = await _context(page, db, event, q.strip(), result=result)
    if is_htmx(request):  # htmx swaps 2xx only: the refusal is content, not a failed request
        return render(request, "event/door.html", context, block_name="result")
    return render(request, "event/door.html", context, status_code=status)
