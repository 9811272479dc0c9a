"""The organizer's event pages (list, event page, cancel, delete) and the public event page.

The creation and editing wizard lives in wizard.py. Every action is a plain form post that
redirects (303) with a flash message; views call the event services and never commit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from mandate.authz.roles import Permission
from mandate.event import public, repository, service
from mandate.event.forms import zone_of
from mandate.event.models import EventStatus
from mandate.event.public import by_day
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, NotFound
from mandate.kit.money import Money
from mandate.kit.session import DbSession
from mandate.render.markdown import markdown_to_html
from mandate.web.deps import OrgPage, PageDep
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.templating import render, templates

router = APIRouter(include_in_schema=False)

STATUS_TABS = [
    ("", "All"),
    (EventStatus.DRAFT.value, "Drafts"),
    (EventStatus.PUBLISHED.value, "Upcoming"),
    (EventStatus.COMPLETED.value, "Completed"),
    (EventStatus.CANCELLED.value, "Cancelled"),
]
STATUS_LABELS = {
    EventStatus.DRAFT.value: "Draft",
    EventStatus.PUBLISHED.value: "Published",
    EventStatus.COMPLETED.value: "Completed",
    EventStatus.CANCELLED.value: "Cancelled",
}
FORMAT_LABELS = {"in_person": "In person", "virtual": "Online", "hybrid": "Hybrid"}


def _local(moment: Any, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    return moment.astimezone(zone_of(zone)).strftime(fmt) if moment else ""


templates.env.filters["event_time"] = _local
templates.env.filters["ticket_price"] = lambda t: "Free" if t.is_free else Money(t.price_minor, t.currency).format()
templates.env.filters["event_markdown"] = lambda text: markdown_to_html(text) if text else ""
templates.env.globals["event_status_label"] = STATUS_LABELS
templates.env.globals["event_format_label"] = FORMAT_LABELS


def event_id_of(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such event") from None


@router.get("/events")
async def event_list(
    request: Request,
    pair: OrgPage,
    db: DbSession,
    status: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    page, ctx = pair
    ctx.require(Permission.EVENT_READ)
    chosen = status if status in STATUS_LABELS else ""
    flt = repository.EventFilter(status=chosen or None)
    try:
        results = await repository.list_events(db, flt, limit=25, cursor=cursor or None)
    except AppError:  # a stale or foreign cursor: start again
        results = await repository.list_events(db, flt, limit=25, cursor=None)
    counts = await repository.count_by_status(db)
    query = f"status={chosen}&" if chosen else ""
    context = page.context(
        events=results.items,
        shown_status=service.shown_status,
        tabs=[(key, label, counts.get(key) if key else sum(counts.values())) for key, label in STATUS_TABS],
        status=chosen,
        next_url=f"/events?{query}cursor={results.next_cursor}" if results.next_cursor else "",
        can_write=page.can(Permission.EVENT_WRITE),
    )
    return render(request, "event/list.html", context)


@router.get("/events/{event_id}")
async def event_page(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await service.get(db, ctx, event_id_of(event_id))
    sessions = await repository.list_sessions(db, event.id, by_time=True)
    ticket_types = await repository.list_ticket_types(db, event.id)
    seats = await repository.seats_by_ticket_type(db, event.id)
    shown = service.shown_status(event)
    context = page.context(
        event=event,
        status=shown,
        days=by_day(sessions, event.timezone),
        ticket_types=ticket_types,
        seats=seats,
        seats_total=sum(seats.values()),
        problems=await service.publish_problems(db, event) if shown == EventStatus.DRAFT.value else [],
        public_path=f"/e/{ctx.organization.slug}/{event.slug}",
        can_write=page.can(Permission.EVENT_WRITE) and shown != EventStatus.CANCELLED.value,
        can_delete=page.can(Permission.EVENT_WRITE) and shown == EventStatus.DRAFT.value,
        can_cancel=page.can(Permission.EVENT_WRITE) and shown in (EventStatus.DRAFT.value, EventStatus.PUBLISHED.value),
    )
    return render(request, "event/detail.html", context)


async def _act(request: Request, pair: OrgPage, db: DbSession, event_id: str, action: str) -> Response:
    page, ctx = pair
    parsed = event_id_of(event_id)
    try:
        if action == "cancel":
            event = await service.cancel(db, ctx, parsed)
            target, message = f"/events/{event.id}", f"Cancelled {event.title}."
        else:
            title = await service.delete(db, ctx, parsed)
            target, message = "/events", f"Deleted {title}."
    except AppError as error:
        if error.status != 409:
            raise
        await rollback_page(db, page)
        response = RedirectResponse(f"/events/{parsed}", status_code=303)
        flash(request, response, error.detail, "error")
        return response
    response = RedirectResponse(target, status_code=303)
    flash(request, response, message)
    return response


@router.post("/events/{event_id}/cancel")
async def cancel_event(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    return await _act(request, pair, db, event_id, "cancel")


@router.post("/events/{event_id}/delete")
async def delete_event(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    return await _act(request, pair, db, event_id, "delete")


# --- Public page --------------------------------------------------------------------------------


@router.get("/e/{org_slug}/{event_slug}")
async def public_page(org_slug: str, event_slug: str, request: Request, page: PageDep, db: DbSession) -> Response:
    """No login needed; the registration form (attendee code) goes in the marked block."""
    public.limit_reads(request)
    view = await public.load(db, org_slug[:80], event_slug[:80])
    context = page.context(
        view=view,
        event=view.event,
        org=view.org,
        days=by_day(view.sessions, view.event.timezone),
        now=utcnow(),
    )
    return render(request, "event/public.html", context)
