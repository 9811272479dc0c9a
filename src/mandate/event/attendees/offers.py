"""Waitlist offers: freed seats go FIFO (by waitlist_seq) to the first in line whose ticket type has a seat.

An offer holds the seat for the event's claim window; a claim registers the attendee, an expired
offer cancels the entry and the next in line is offered. A claim window of 0 registers at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees import emails, repository
from mandate.event.attendees.actors import ATTENDEE_ACTOR, SYSTEM_ACTOR, audit, write_history
from mandate.event.attendees.capacity import usage
from mandate.event.attendees.live import announce
from mandate.event.attendees.service import change_status, holds_offer, set_status
from mandate.event.attendees.waitlist import EXPIRE_JOB
from mandate.event.models import Attendee, AttendeeStatus, Event
from mandate.jobs import enqueue
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound

S = AttendeeStatus
OFFER_EXPIRED = "offer expired"


class OfferNotOpen(Conflict):
    code = "offer_not_open"
    title = "There is no open offer to claim"


class EventStarted(Conflict):
    code = "event_started"
    title = "The event has started"


@dataclass(frozen=True)
class OfferRun:
    offered: int
    registered: int
    expired: int


async def offer_seats(session: AsyncSession, event_id: uuid.UUID) -> OfferRun:
    """Under the event lock: cancel lapsed offers, then offer every free seat to the first in line."""
    event = await repository.lock_event(session, event_id)
    if event is None:
        return OfferRun(0, 0, 0)
    now = utcnow()
    expired = 0
    for lapsed in await repository.expired_offers(session, event.id, now):
        await set_status(
            session, event, lapsed, S.CANCELLED, SYSTEM_ACTOR, reason=OFFER_EXPIRED, action="offer_expired"
        )
        expired += 1
    use = await usage(session, event.id, now)
    types = {t.id: t for t in await repository.ticket_types(session, event.id)}
    offered = registered = 0
    for waiting in await repository.in_line(session, event.id):
        if use.event_free(event) == 0:
            break
        ticket_type = types.get(waiting.ticket_type_id)
        if ticket_type is None or not use.has_seat(event, ticket_type):
            continue
        use.take(ticket_type.id)
        if event.claim_window_hours <= 0:
            await _register_now(session, event, waiting)
            registered += 1
        else:
            await _offer(session, event, waiting, now + timedelta(hours=event.claim_window_hours))
            offered += 1
    return OfferRun(offered, registered, expired)


async def _register_now(session: AsyncSession, event: Event, attendee: Attendee) -> None:
    await set_status(session, event, attendee, S.REGISTERED, SYSTEM_ACTOR, reason="promoted from the waitlist")
    await emails.send_promoted(session, event, attendee)


async def _offer(session: AsyncSession, event: Event, attendee: Attendee, until: datetime) -> None:
    attendee.offer_expires_at = until
    attendee.updated_at = utcnow()
    changes = {"offer_expires_at": until.isoformat()}
    write_history(session, SYSTEM_ACTOR, attendee, kind="offer", changes=changes, reason="a seat freed up")
    audit(session, SYSTEM_ACTOR, attendee, "event.attendee.offered", changes)
    await emails.send_offer(session, event, attendee)
    schedule_expiry(session, attendee, until)
    await announce(session, event, attendee, "offered")


def schedule_expiry(session: AsyncSession, attendee: Attendee, until: datetime) -> None:
    delay = max((until - utcnow()).total_seconds(), 0.0)
    payload = {"event_id": str(attendee.event_id), "attendee_id": str(attendee.id)}
    enqueue(session, EXPIRE_JOB, payload, organization_id=attendee.organization_id, delay_seconds=delay)


async def expire_offer(session: AsyncSession, event_id: uuid.UUID, attendee_id: uuid.UUID) -> str:
    """The offer's deadline passed: cancel the entry and offer the seat to the next in line.
    A job that fires early (queues may) puts itself back for the rest of the window."""
    event = await repository.lock_event(session, event_id)
    attendee = await repository.get_attendee(session, event_id, attendee_id, lock=True)
    if event is None or attendee is None or attendee.status != S.WAITLISTED.value or attendee.offer_expires_at is None:
        return "no_offer"
    if holds_offer(attendee, utcnow()):
        schedule_expiry(session, attendee, attendee.offer_expires_at)
        return "not_yet"
    await offer_seats(session, event.id)  # cancels this lapsed offer first, then offers the seat on
    return "expired"


async def claim(session: AsyncSession, attendee: Attendee) -> Attendee:
    """The attendee takes the seat held for them (the session is scoped to their organization)."""
    event = await repository.lock_event(session, attendee.event_id)
    fresh = await repository.get_attendee(session, attendee.event_id, attendee.id, lock=True)
    if event is None or fresh is None:
        raise NotFound("No such ticket")
    status = S(fresh.status)
    if status in (S.REGISTERED, S.CHECKED_IN):
        raise OfferNotOpen("You are already registered", reason="already_registered")
    if status is S.CANCELLED:
        reason = "offer_expired" if fresh.offer_expires_at is not None else "cancelled"
        raise OfferNotOpen("This registration was cancelled", reason=reason)
    if fresh.offer_expires_at is None:
        raise OfferNotOpen("No seat has been offered to you yet", reason="no_offer")
    if not holds_offer(fresh, utcnow()):
        raise OfferNotOpen("The offer has expired", reason="offer_expired")
    await set_status(
        session, event, fresh, S.REGISTERED, ATTENDEE_ACTOR, reason="claimed the offered seat", action="claimed"
    )
    return fresh


async def self_cancel(session: AsyncSession, attendee: Attendee) -> Attendee:
    """Attendees cancel their own registration or waitlist entry until the event starts."""
    event = await repository.get_event(session, attendee.event_id)
    if event is None:
        raise NotFound("No such ticket")
    if event.starts_at is not None and utcnow() >= event.starts_at:
        raise EventStarted("The event has started; ask the organizer to cancel")
    return await change_status(
        session, event, attendee, S.CANCELLED, ATTENDEE_ACTOR, reason="cancelled by the attendee"
    )
