"""The attendee dashboard (`/events/{id}/attendees`): counters, the filtered table, row actions,
adding an attendee and the CSV export of exactly what the filters select.

Plain GET forms and posts that redirect (303) with a flash; htmx swaps the table instead, and the
table re-fetches itself when the event's live channel says an attendee changed. Every change goes
through the attendee service; the views never commit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event.attendees import api as attendee_api
from mandate.event.attendees import pages, repository, service
from mandate.event.attendees.pages import ListQuery
from mandate.event.attendees.schemas import AttendeeCreate
from mandate.event.attendees.stats import event_stats
from mandate.event.live import event_channel
from mandate.event.models import AttendeeStatus, Event
from mandate.kit.errors import AppError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.live import stream_url
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.formkit import field_errors, rollback_page
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

S = AttendeeStatus
RECOVERABLE = frozenset({409, 422, 429})
ADD_FIELDS = ("name", "email", "company", "job_title", "ticket_type_id")
_DONE = {
    (S.REGISTERED, S.CHECKED_IN): "Checked in {name}.",
    (S.CHECKED_IN, S.REGISTERED): "Undid {name}'s check-in.",
    (S.WAITLISTED, S.REGISTERED): "Promoted {name} from the waitlist.",
    (S.REGISTERED, S.CANCELLED): "Cancelled {name}'s registration.",
    (S.WAITLISTED, S.CANCELLED): "Took {name} off the waitlist.",
}


def parse_id(raw: str, what: str = "event") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"No such {what}") from None


def dashboard_path(event_id: uuid.UUID) -> str:
    return f"/events/{event_id}/attendees"


async def _context(
    page: Page, ctx: OrgContext, db: AsyncSession, event: Event, query: ListQuery, **extra: Any
) -> dict[str, Any]:
    path = dashboard_path(event.id)
    flt, filter_errors = query.to_filter(event.timezone)
    sort = query.sort_order()
    try:
        results = await repository.list_attendees(
            db, event.id, flt, sort=sort, limit=pages.PAGE_SIZE, cursor=query.cursor or None
        )
    except ValidationFailed:  # a stale cursor (the sort changed): start again from the first page
        query = query.without_cursor()
        results = await repository.list_attendees(db, event.id, flt, sort=sort, limit=pages.PAGE_SIZE, cursor=None)
    types = await repository.ticket_types(db, event.id)
    return page.context(
        event=event,
        stats=await event_stats(db, event),
        attendees=results.items,
        filters=query,
        filter_errors=filter_errors,
        filtered=query.filtered,
        type_options=[(str(t.id), t.name) for t in types],
        type_names={t.id: t.name for t in types},
        status_options=pages.STATUS_OPTIONS,
        sort_options=pages.SORT_OPTIONS,
        self_url=query.url(path),
        back_url=query.url(path),
        next_url=query.url(path, cursor=results.next_cursor) if results.next_cursor else "",
        first_url=query.without_cursor().url(path) if query.cursor else "",
        export_url=query.without_cursor().url(f"{path}/export.csv"),
        can_write=page.can(Permission.EVENT_WRITE),
        form=extra.pop("form", pages.form_values({}, ADD_FIELDS)),
        form_errors=extra.pop("form_errors", {}),
        htmx=is_htmx(page.request),
        **extra,
    )


def _results(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(
        request,
        "event/attendees.html",
        context,
        block_name="results",
        status_code=status_code,
        headers={"Vary": "HX-Request"},
    )


@router.get("/events/{event_id}/attendees")
async def dashboard(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = parse_id(event_id)
    query = ListQuery.from_mapping(request.query_params)
    if is_htmx(request):  # a filter change or a live refresh: the table (and counters) only
        event = await service.event_for(db, ctx, parsed, Permission.EVENT_READ)
        return _results(request, await _context(page, ctx, db, event, query))
    event = await service.event_for(db, ctx, parsed, Permission.EVENT_READ)
    live_url = await stream_url(db, [event_channel(event.id)])  # before the attendees are read
    context = await _context(page, ctx, db, event, query, live_url=live_url)
    return render(request, "event/attendees.html", context, headers={"Vary": "HX-Request"})


def _back(event_id: uuid.UUID, raw: str) -> ListQuery:
    """The dashboard state a row action came from (only its query string is trusted)."""
    parts = urlsplit(raw)
    if parts.path != dashboard_path(event_id):
        return ListQuery()
    return ListQuery.from_mapping({k: v[0] for k, v in parse_qs(parts.query).items()})


@router.post("/events/{event_id}/attendees/{attendee_id}/transition")
async def transition(
    event_id: str,
    attendee_id: str,
    request: Request,
    pair: OrgPage,
    db: DbSession,
    to: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    page, ctx = pair
    parsed = parse_id(event_id)
    back = _back(parsed, next)
    event, attendee = await service.attendee_for(
        db, ctx, parsed, parse_id(attendee_id, "attendee"), Permission.EVENT_WRITE
    )
    before, name = S(attendee.status), attendee.name
    message = error_text = ""
    try:
        target = S(to)
    except ValueError:
        target = None
    try:
        if target is None:
            raise ValidationFailed.field("to", "Choose a status to move the attendee to")
        await service.transition(db, ctx, event.id, attendee.id, target, reason)
        message = _DONE.get((before, target), "Saved.").format(name=name)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        error_text = f"{name}: {error.detail}"
    if is_htmx(request):
        event = await service.event_for(db, ctx, parsed, Permission.EVENT_READ)
        context = await _context(page, ctx, db, event, back, message=message, action_error=error_text)
        return _results(request, context)
    response = RedirectResponse(back.url(dashboard_path(parsed)), status_code=303)
    flash(request, response, message or error_text, "success" if message else "error")
    return response


@router.post("/events/{event_id}/attendees/new")
async def add_attendee(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    parsed = parse_id(event_id)
    event = await service.event_for(db, ctx, parsed, Permission.EVENT_WRITE)
    form = pages.form_values(await request.form(), ADD_FIELDS)
    try:
        done = await service.organizer_register(db, ctx, event.id, pages.build(AttendeeCreate, form))
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        event = await service.event_for(db, ctx, parsed, Permission.EVENT_WRITE)
        errors = field_errors(error) or {"email" if error.code == "already_registered" else "name": error.detail}
        context = await _context(page, ctx, db, event, ListQuery(), form=form, form_errors=errors, error=error)
        return render(request, "event/attendees.html", context, status_code=error.status)
    attendee = done.attendee
    if attendee.status == S.WAITLISTED.value:
        text = f"Added {attendee.name} to the waitlist (position {done.waitlist_position})."
    else:
        text = f"Added {attendee.name} as registered."
    response = RedirectResponse(dashboard_path(event.id), status_code=303)
    flash(request, response, text)
    return response


@router.get("/events/{event_id}/attendees/export.csv")
async def export_csv(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    """The same filter as the table, streamed by the attendee export (UTF-8 with BOM, escaped cells)."""
    _page, ctx = pair
    event = await service.event_for(db, ctx, parse_id(event_id), Permission.EVENT_READ)
    query = ListQuery.from_mapping(request.query_params)
    flt, errors = query.to_filter(event.timezone)
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed.field(field, message)
    return await attendee_api.export_attendees(event.id, ctx, db, flt, request, sort=query.sort_order())
