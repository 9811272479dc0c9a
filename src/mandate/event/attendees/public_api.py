"""Public routes, no login: register for a published event, and the ticket link's read, cancel and claim.

The organization comes from the URL (its slug) or from the ticket code, and is set on the session
explicitly, so every query after that is tenant-scoped as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.api import client_ip
from mandate.event.attendees import emails, offers, repository, service
from mandate.event.attendees.actors import ATTENDEE_ACTOR
from mandate.event.attendees.schemas import (
    PublicEventOut,
    PublicRegistrationIn,
    PublicRegistrationOut,
    PublicTicketOut,
)
from mandate.event.models import Attendee, AttendeeSource, AttendeeStatus, Event, EventStatus, TicketType
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound, ValidationFailed, responses
from mandate.kit.ratelimit import RateLimiter
from mandate.kit.session import DbSession
from mandate.kit.tenancy import set_organization
from mandate.organization import repository as org_repo

router = APIRouter(prefix="/api/public", tags=["public events"])
S = AttendeeStatus


class RegistrationClosed(Conflict):
    code = "registration_closed"
    title = "Registration is not open"


class NotOnSale(Conflict):
    code = "ticket_not_on_sale"
    title = "This ticket type is not on sale"


@dataclass(frozen=True)
class RegistrationPolicy:
    limiter: RateLimiter
    per_ip: str
    per_email: str

    def check(self, ip: str, email: str) -> None:
        """Every attempt counts, accepted or not, so probing an address costs the same."""
        self.limiter.require(self.per_ip, "event-registration-ip", ip)
        self.limiter.require(self.per_email, "event-registration-email", email)
        self.limiter.hit(self.per_ip, "event-registration-ip", ip)
        self.limiter.hit(self.per_email, "event-registration-email", email)


def registration_policy(request: Request) -> RegistrationPolicy:
    settings = request.app.state.settings
    limiter: RateLimiter = request.app.state.login_policy.limiter
    return RegistrationPolicy(limiter, settings.event_registrations_per_ip, settings.event_registrations_per_email)


def limit_ticket_requests(request: Request) -> None:
    """Every ticket-link request counts against the caller's IP (429 past the limit)."""
    rule: str = request.app.state.settings.event_ticket_requests_per_ip
    limiter: RateLimiter = request.app.state.login_policy.limiter
    ip = client_ip(request)
    limiter.require(rule, "event-ticket-ip", ip)
    limiter.hit(rule, "event-ticket-ip", ip)


TICKET_LIMIT = [Depends(limit_ticket_requests)]


async def _published_event(db: AsyncSession, org_slug: str, event_slug: str) -> Event:
    org = await org_repo.get_by_slug(db, org_slug)
    if org is None:
        raise NotFound("No such event")
    set_organization(db, org.id)
    event = await repository.get_event_by_slug(db, event_slug)
    if event is None or event.status != EventStatus.PUBLISHED.value:
        raise NotFound("No such event")
    return event


def _check_on_sale(event: Event, ticket_type: TicketType | None) -> TicketType:
    now = utcnow()
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        raise RegistrationClosed("Registration has not opened yet")
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        raise RegistrationClosed("Registration has closed")
    if ticket_type is None or not ticket_type.visible:
        raise ValidationFailed.field("ticket_type_id", "No such ticket type for this event")
    if not ticket_type.is_free:
        raise NotOnSale("Paid tickets are not on sale yet")
    if ticket_type.sales_start_at is not None and now < ticket_type.sales_start_at:
        raise NotOnSale("This ticket type is not on sale yet")
    if ticket_type.sales_end_at is not None and now >= ticket_type.sales_end_at:
        raise NotOnSale("Sales of this ticket type have ended")
    return ticket_type


@router.post(
    "/events/{org_slug}/{event_slug}/registrations",
    status_code=201,
    response_model=PublicRegistrationOut,
    responses=responses(404, 409, 422, 429),
)
async def register(
    org_slug: str, event_slug: str, body: PublicRegistrationIn, request: Request, db: DbSession
) -> PublicRegistrationOut:
    """Registers for a free ticket, or joins the waitlist when full; emails the ticket link.
    Rate limited per IP and per email (429)."""
    email = service.normalise_email(body.email)
    registration_policy(request).check(client_ip(request), email)
    event = await _published_event(db, org_slug, event_slug)
    ticket_type = _check_on_sale(event, await repository.get_ticket_type(db, event.id, body.ticket_type_id))
    done = await service.register(
        db, event, ticket_type, body, source=AttendeeSource.PUBLIC, actor=ATTENDEE_ACTOR, confirm=True
    )
    return PublicRegistrationOut(
        status=S(done.attendee.status),
        ticket_url=emails.ticket_url(db, done.attendee),
        waitlist_position=done.waitlist_position,
    )


async def _ticket(db: AsyncSession, code: str) -> Attendee:
    org_id = await repository.organization_of_code(db, code) if 10 <= len(code) <= 40 else None
    if org_id is None:
        raise NotFound("No such ticket")
    set_organization(db, org_id)
    attendee = await repository.by_code(db, code)
    if attendee is None:
        raise NotFound("No such ticket")
    return attendee


async def ticket_out(db: AsyncSession, attendee: Attendee) -> PublicTicketOut:
    event = await repository.get_event(db, attendee.event_id)
    ticket_type = await repository.get_ticket_type(db, attendee.event_id, attendee.ticket_type_id)
    if event is None or ticket_type is None:
        raise NotFound("No such ticket")
    now = utcnow()
    status = S(attendee.status)
    started = event.starts_at is not None and now >= event.starts_at
    return PublicTicketOut(
        name=attendee.name,
        status=status,
        ticket_type=ticket_type.name,
        checkin_code=attendee.checkin_code,
        event=PublicEventOut(
            title=event.title,
            slug=event.slug,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
            format=event.format,
            venue_name=event.venue_name,
            venue_address=event.venue_address,
        ),
        join_url=(event.online_url or None) if status in (S.REGISTERED, S.CHECKED_IN) else None,
        waitlist_position=await repository.waitlist_position(db, attendee),
        offer_expires_at=attendee.offer_expires_at if service.holds_offer(attendee, now) else None,
        can_cancel=status in (S.REGISTERED, S.WAITLISTED) and not started,
        can_claim=service.holds_offer(attendee, now),
    )


@router.get("/tickets/{code}", response_model=PublicTicketOut, responses=responses(404, 429), dependencies=TICKET_LIMIT)
async def get_ticket(code: str, db: DbSession) -> PublicTicketOut:
    """The ticket behind a `/t/{code}` link; the join URL only while registered or checked in."""
    return await ticket_out(db, await _ticket(db, code))


@router.post(
    "/tickets/{code}/cancel",
    response_model=PublicTicketOut,
    responses=responses(404, 409, 429),
    dependencies=TICKET_LIMIT,
)
async def cancel_ticket(code: str, db: DbSession) -> PublicTicketOut:
    """Self-service cancel until the event starts (409 `event_started`); the freed seat is offered on."""
    attendee = await offers.self_cancel(db, await _ticket(db, code))
    return await ticket_out(db, attendee)


@router.post(
    "/tickets/{code}/claim",
    response_model=PublicTicketOut,
    responses=responses(404, 409, 429),
    dependencies=TICKET_LIMIT,
)
async def claim_ticket(code: str, db: DbSession) -> PublicTicketOut:
    """Claims the seat offered from the waitlist; 409 `offer_not_open` with a `reason` otherwise."""
    attendee = await offers.claim(db, await _ticket(db, code))
    return await ticket_out(db, attendee)
