"""The organizer's JSON API: events, their schedule sessions and ticket types."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from mandate.authz.dependencies import CurrentOrg
from mandate.authz.roles import Permission
from mandate.event import repository, rules, schedule, service, tickets
from mandate.event.models import Event, EventSession, EventStatus, TicketType
from mandate.event.schemas import (
    EventCreate,
    EventList,
    EventOut,
    EventUpdate,
    SessionCreate,
    SessionList,
    SessionOut,
    SessionReorder,
    SessionUpdate,
    TicketTypeCreate,
    TicketTypeList,
    TicketTypeOut,
    TicketTypeUpdate,
)
from mandate.kit.errors import responses
from mandate.kit.jsonresp import FastJSONResponse
from mandate.kit.money import Money
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from mandate.kit.session import DbSession
from mandate.render.markdown import markdown_to_html

router = APIRouter(prefix="/api/events", tags=["events"])


def event_json(event: Event, org_slug: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "description_html": markdown_to_html(event.description) if event.description else "",
        "format": event.format,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "online_url": event.online_url,
        "timezone": event.timezone,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
        "capacity": event.capacity,
        "waitlist_enabled": event.waitlist_enabled,
        "claim_window_hours": event.claim_window_hours,
        "status": service.shown_status(event),
        "published_at": event.published_at,
        "cancelled_at": event.cancelled_at,
        "wizard_step": event.wizard_step,
        "public_path": f"/e/{org_slug}/{event.slug}",
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def session_json(slot: EventSession) -> dict[str, Any]:
    return {"id": slot.id, "event_id": slot.event_id, **{name: getattr(slot, name) for name in rules.SESSION_FIELDS}}


def ticket_json(ticket: TicketType, seats: int) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "event_id": ticket.event_id,
        "name": ticket.name,
        "description": ticket.description,
        "price_minor": ticket.price_minor,
        "currency": ticket.currency,
        "price_display": "Free" if ticket.is_free else Money(ticket.price_minor, ticket.currency).format(),
        "quantity": ticket.quantity,
        "sales_start_at": ticket.sales_start_at,
        "sales_end_at": ticket.sales_end_at,
        "visible": ticket.visible,
        "position": ticket.position,
        "seats_in_use": seats,
    }


def _event(ctx: Any, event: Event, status_code: int = 200) -> FastJSONResponse:
    return FastJSONResponse(event_json(event, ctx.organization.slug), status_code=status_code)


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


# --- Events -------------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=EventOut, responses=responses(401, 403, 409, 422))
async def create_event(body: EventCreate, ctx: CurrentOrg, db: DbSession) -> Response:
    """Create a draft; the slug comes from the title unless given (a given slug in use is 409 `slug_taken`)."""
    return _event(ctx, await service.create(db, ctx, body), 201)


@router.get("", response_model=EventList, responses=responses(401, 403, 422))
async def list_events(
    ctx: CurrentOrg,
    db: DbSession,
    status: EventStatus | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    starts_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    starts_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Soonest first (drafts without dates last); `from`/`to` bound the start time."""
    ctx.require(Permission.EVENT_READ)
    flt = repository.EventFilter(
        status=status.value if status else None, q=q or None, starts_from=starts_from, starts_to=starts_to
    )
    page = await repository.list_events(db, flt, limit=limit, cursor=cursor)
    slug = ctx.organization.slug
    return FastJSONResponse({"items": [event_json(e, slug) for e in page.items], "next_cursor": page.next_cursor})


@router.get("/{event_id}", response_model=EventOut, responses=responses(401, 403, 404, 422))
async def get_event(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    return _event(ctx, await service.get(db, ctx, event_id))


@router.patch("/{event_id}", response_model=EventOut, responses=responses(401, 403, 404, 409, 422))
async def update_event(event_id: uuid.UUID, body: EventUpdate, ctx: CurrentOrg, db: DbSession) -> Response:
    """Lowering the capacity below the seats in use is 409 `capacity_below_usage`."""
    return _event(ctx, await service.update(db, ctx, event_id, body))


@router.delete("/{event_id}", status_code=204, responses=responses(401, 403, 404, 409, 422))
async def delete_event(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    """Only a draft without attendees (409 `event_not_draft` / `event_has_attendees`)."""
    await service.delete(db, ctx, event_id)
    return Response(status_code=204)


@router.post("/{event_id}/publish", response_model=EventOut, responses=responses(401, 403, 404, 409, 422))
async def publish_event(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    """422 lists everything missing as field errors; a non-draft is 409 `invalid_status`."""
    return _event(ctx, await service.publish(db, ctx, event_id))


@router.post("/{event_id}/cancel", response_model=EventOut, responses=responses(401, 403, 404, 409, 422))
async def cancel_event(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    return _event(ctx, await service.cancel(db, ctx, event_id))


# --- Sessions -----------------------------------------------------------------------------------


@router.get("/{event_id}/sessions", response_model=SessionList, responses=responses(401, 403, 404, 422))
async def list_sessions(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    event = await service.get(db, ctx, event_id)
    items = await repository.list_sessions(db, event.id)
    return FastJSONResponse({"items": [session_json(s) for s in items]})


@router.post(
    "/{event_id}/sessions", status_code=201, response_model=SessionOut, responses=responses(401, 403, 404, 409, 422)
)
async def add_session(event_id: uuid.UUID, body: SessionCreate, ctx: CurrentOrg, db: DbSession) -> Response:
    """Inside the event (422 naming starts_at/ends_at); a clash in the same room is 409 `session_overlap`."""
    return FastJSONResponse(session_json(await schedule.add(db, ctx, event_id, body)), status_code=201)


@router.post("/{event_id}/sessions/reorder", response_model=SessionList, responses=responses(401, 403, 404, 409, 422))
async def reorder_sessions(event_id: uuid.UUID, body: SessionReorder, ctx: CurrentOrg, db: DbSession) -> Response:
    items = await schedule.reorder(db, ctx, event_id, body)
    return FastJSONResponse({"items": [session_json(s) for s in items]})


@router.patch(
    "/{event_id}/sessions/{session_id}", response_model=SessionOut, responses=responses(401, 403, 404, 409, 422)
)
async def update_session(
    event_id: uuid.UUID, session_id: uuid.UUID, body: SessionUpdate, ctx: CurrentOrg, db: DbSession
) -> Response:
    return FastJSONResponse(session_json(await schedule.update(db, ctx, event_id, session_id, body)))


@router.delete("/{event_id}/sessions/{session_id}", status_code=204, responses=responses(401, 403, 404, 409, 422))
async def delete_session(event_id: uuid.UUID, session_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await schedule.remove(db, ctx, event_id, session_id)
    return Response(status_code=204)


# --- Ticket types -------------------------------------------------------------------------------


@router.get("/{event_id}/ticket-types", response_model=TicketTypeList, responses=responses(401, 403, 404, 422))
async def list_ticket_types(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    event = await service.get(db, ctx, event_id)
    seats = await repository.seats_by_ticket_type(db, event.id)
    items = await repository.list_ticket_types(db, event.id)
    return FastJSONResponse({"items": [ticket_json(t, seats.get(t.id, 0)) for t in items]})


@router.post(
    "/{event_id}/ticket-types",
    status_code=201,
    response_model=TicketTypeOut,
    responses=responses(401, 402, 403, 404, 409, 422),
)
async def add_ticket_type(
    event_id: uuid.UUID, body: TicketTypeCreate, ctx: CurrentOrg, db: DbSession, request: Request
) -> Response:
    """A price above 0 needs the `paid_events` feature (402 `entitlement_required`)."""
    ticket = await tickets.add(db, ctx, event_id, body, base_url=_base(request))
    return FastJSONResponse(ticket_json(ticket, 0), status_code=201)


@router.patch(
    "/{event_id}/ticket-types/{ticket_type_id}",
    response_model=TicketTypeOut,
    responses=responses(401, 402, 403, 404, 409, 422),
)
async def update_ticket_type(
    event_id: uuid.UUID,
    ticket_type_id: uuid.UUID,
    body: TicketTypeUpdate,
    ctx: CurrentOrg,
    db: DbSession,
    request: Request,
) -> Response:
    """Lowering the quantity below the seats in use is 409 `capacity_below_usage`."""
    ticket = await tickets.update(db, ctx, event_id, ticket_type_id, body, base_url=_base(request))
    seats = await repository.seats_in_use(db, event_id, ticket.id)
    return FastJSONResponse(ticket_json(ticket, seats))


@router.delete(
    "/{event_id}/ticket-types/{ticket_type_id}", status_code=204, responses=responses(401, 403, 404, 409, 422)
)
async def delete_ticket_type(
    event_id: uuid.UUID, ticket_type_id: uuid.UUID, ctx: CurrentOrg, db: DbSession
) -> Response:
    """Only without attendees (409 `ticket_type_has_attendees`)."""
    await tickets.remove(db, ctx, event_id, ticket_type_id)
    return Response(status_code=204)
