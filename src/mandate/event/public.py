"""What anyone may see of a published event: the public JSON and the shared availability rules.

The public page and API need no login. The organization is found by its slug (organizations are not
tenant rows), then set on the session so the event lookups stay tenant-scoped like every other query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event import repository, service
from mandate.event.models import Event, EventSession, EventStatus, TicketType
from mandate.event.schemas import PublicEvent
from mandate.kit.context import client_ip_var
from mandate.kit.db import utcnow
from mandate.kit.errors import NotFound, responses
from mandate.kit.jsonresp import FastJSONResponse
from mandate.kit.money import Money
from mandate.kit.session import DbSession
from mandate.kit.tenancy import set_organization
from mandate.organization.models import Organization
from mandate.render.markdown import markdown_to_html

router = APIRouter(prefix="/api/public/events", tags=["public events"])

PUBLIC_READS_PER_IP = "300/minute"
SlugParam = Annotated[str, Path(max_length=80)]


@dataclass
class Availability:
    on_sale: bool
    remaining: int | None
    text: str


@dataclass
class PublicView:
    org: Organization
    event: Event
    sessions: list[EventSession]
    tickets: list[tuple[TicketType, Availability]]

    @property
    def status(self) -> str:
        return service.shown_status(self.event)

    @property
    def registration_open(self) -> bool:
        return registration_open(self.event, utcnow())


def registration_open(event: Event, now: datetime) -> bool:
    if service.shown_status(event, now) != EventStatus.PUBLISHED.value:
        return False
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    closes = event.registration_closes_at or event.ends_at
    return not (closes and now >= closes)


def _clock(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d %b %Y, %H:%M")


def availability(event: Event, ticket: TicketType, used_type: int, used_event: int, now: datetime) -> Availability:
    """What the public page says about a ticket type; free tickets only until payments exist."""
    if not ticket.is_free:
        return Availability(False, None, "Not yet on sale")
    if ticket.sales_start_at and now < ticket.sales_start_at:
        return Availability(False, None, f"Not yet on sale (from {_clock(ticket.sales_start_at, event.timezone)})")
    if ticket.sales_end_at and now >= ticket.sales_end_at:
        return Availability(False, None, "Sales have ended")
    if not registration_open(event, now):
        return Availability(False, None, "Registration is closed")
    limits = []
    if ticket.quantity is not None:
        limits.append(ticket.quantity - used_type)
    if event.capacity is not None:
        limits.append(event.capacity - used_event)
    remaining = max(0, min(limits)) if limits else None
    if remaining == 0:
        if event.waitlist_enabled:
            return Availability(True, 0, "Sold out — join the waitlist")
        return Availability(False, 0, "Sold out")
    return Availability(True, remaining, f"{remaining} left" if remaining is not None else "Available")


async def load(session: AsyncSession, org_slug: str, event_slug: str) -> PublicView:
    """A published (or since completed or cancelled) event; drafts and unknown slugs are 404."""
    org = await repository.organization_by_slug(session, org_slug)
    if org is None:
        raise NotFound("No such event")
    set_organization(session, org.id)
    event = await repository.get_event_by_slug(session, event_slug)
    if event is None or event.published_at is None:
        raise NotFound("No such event")
    sessions = await repository.list_sessions(session, event.id, by_time=True)
    types = [t for t in await repository.list_ticket_types(session, event.id) if t.visible]
    seats = await repository.seats_by_ticket_type(session, event.id)
    used = sum(seats.values())
    now = utcnow()
    tickets = [(t, availability(event, t, seats.get(t.id, 0), used, now)) for t in types]
    return PublicView(org, event, sessions, tickets)


def by_day(sessions: list[EventSession], zone: str) -> list[tuple[date, list[EventSession]]]:
    """The schedule grouped by day in the event's time zone."""
    tz = ZoneInfo(zone)
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())]


def _speakers(slot: EventSession) -> list[dict[str, Any]]:
    return [{"name": s.get("name", ""), "title": s.get("title", ""), "bio": s.get("bio", "")} for s in slot.speakers]


def public_json(view: PublicView) -> dict[str, Any]:
    event = view.event
    return {
        "title": event.title,
        "slug": event.slug,
        "organization": view.org.name,
        "description_html": markdown_to_html(event.description) if event.description else "",
        "format": event.format,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "timezone": event.timezone,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
        "status": view.status,
        "registration_open": view.registration_open,
        "waitlist_enabled": event.waitlist_enabled,
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "description": s.description,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "room": s.room,
                "speakers": _speakers(s),
            }
            for s in view.sessions
        ],
        "ticket_types": [
            {
                "id": t.id,
                "name": t.name,
                "description": t.description,
                "price_minor": t.price_minor,
                "currency": t.currency,
                "price_display": "Free" if t.is_free else Money(t.price_minor, t.currency).format(),
                "on_sale": a.on_sale,
                "remaining": a.remaining,
                "availability": a.text,
            }
            for t, a in view.tickets
        ],
    }


def limit_reads(request: Request) -> None:
    limiter = request.app.state.login_policy.limiter
    ip = client_ip_var.get() or "unknown"
    limiter.require(PUBLIC_READS_PER_IP, "public-event", ip)
    limiter.hit(PUBLIC_READS_PER_IP, "public-event", ip)


@router.get("/{org_slug}/{event_slug}", response_model=PublicEvent, responses=responses(404, 422, 429))
async def public_event(org_slug: SlugParam, event_slug: SlugParam, db: DbSession, request: Request) -> FastJSONResponse:
    """No login. Published events only (also once completed or cancelled); the join link is never shown."""
    limit_reads(request)
    return FastJSONResponse(public_json(await load(db, org_slug, event_slug)))
