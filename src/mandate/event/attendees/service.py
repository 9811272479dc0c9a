"""Attendee rules shared by organizers and the public: registration, status changes, edits, check-in."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event.attendees import repository, waitlist
from mandate.event.attendees.actors import Actor, audit, write_history
from mandate.event.attendees.capacity import CapacityFull, someone_ahead, usage, usage_of
from mandate.event.attendees.live import announce
from mandate.event.attendees.schemas import AttendeeCreate, AttendeeUpdate
from mandate.event.models import Attendee, AttendeeSource, AttendeeStatus, Event, TicketType
from mandate.event.states import ORGANIZER_ONLY, SEATED, InvalidTransition, allowed_targets, check_transition
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound, ValidationFailed

S = AttendeeStatus
CODE_BYTES = 16  # 22 URL-safe characters


class AlreadyRegistered(Conflict):
    code = "already_registered"
    title = "This email is already registered for the event"


class AttendeeCancelled(Conflict):
    code = "attendee_cancelled"
    title = "This registration was cancelled"


class AttendeeWaitlisted(Conflict):
    code = "attendee_waitlisted"
    title = "This attendee is on the waitlist, not registered"


@dataclass(frozen=True)
class Registration:
    attendee: Attendee
    waitlist_position: int | None


def normalise_email(raw: str, field: str = "email") -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed.field(field, f"Not a valid email address: {exc}") from exc


def clean(text: str, field: str, *, required: bool = False) -> str:
    cleaned = " ".join(text.split())
    if required and not cleaned:
        raise ValidationFailed.field(field, "This field cannot be blank")
    return cleaned


async def event_for(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, permission: Permission) -> Event:
    event = await repository.get_event(session, event_id)
    if event is None:
        raise NotFound("No such event")
    ctx.require(permission)
    return event


async def attendee_for(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, attendee_id: uuid.UUID, permission: Permission
) -> tuple[Event, Attendee]:
    event = await event_for(session, ctx, event_id, permission)
    attendee = await repository.get_attendee(session, event.id, attendee_id)
    if attendee is None:
        raise NotFound("No such attendee")
    return event, attendee


async def organizer_register(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, data: AttendeeCreate
) -> Registration:
    """Organizers may add anyone to any ticket type (complimentary, paid types too)."""
    event = await event_for(session, ctx, event_id, Permission.EVENT_WRITE)
    ticket_type = await repository.get_ticket_type(session, event.id, data.ticket_type_id)
    if ticket_type is None:
        raise ValidationFailed.field("ticket_type_id", "No such ticket type for this event")
    return await register(
        session, event, ticket_type, data, source=AttendeeSource.ORGANIZER, actor=Actor.organizer(ctx)
    )


async def register(
    session: AsyncSession,
    event: Event,
    ticket_type: TicketType,
    data: AttendeeCreate,
    *,
    source: AttendeeSource,
    actor: Actor,
    confirm: bool = False,
) -> Registration:
    """Everything that does not depend on the seat count happens before the event lock; under it,
    two reads (the lock, one snapshot of the counts) and the inserts, so the lock is short.
    `confirm` queues the confirmation email, written before the lock (it does not depend on the seat)."""
    email = normalise_email(data.email)
    attendee = Attendee(
        id=uuid.uuid4(),
        organization_id=event.organization_id,
        event_id=event.id,
        ticket_type_id=ticket_type.id,
        name=clean(data.name, "name", required=True),
        email=email,
        company=clean(data.company, "company"),
        job_title=clean(data.job_title, "job_title"),
        source=source.value,
        checkin_code=secrets.token_urlsafe(CODE_BYTES),
    )
    if await repository.active_by_email(session, event.id, email):
        raise AlreadyRegistered(f"{email} is already registered for this event")
    if confirm:
        waitlist.send_confirmation_later(session, event.id, attendee.id)
        await session.flush()
    locked = await repository.lock_event(session, event.id)
    now = utcnow()
    seats = await repository.seat_snapshot(session, event.id, now)
    ticket_type_locked = seats.types.get(ticket_type.id)
    if locked is None or ticket_type_locked is None:
        raise NotFound("No such event")
    use = usage_of(seats.counts)
    seated = use.has_seat(locked, ticket_type_locked) and not someone_ahead(use, seats.types)
    if not seated and not locked.waitlist_enabled:
        raise CapacityFull("The event is full and has no waitlist")
    attendee.status = (S.REGISTERED if seated else S.WAITLISTED).value
    attendee.registered_at = now
    attendee.waitlist_seq = None if seated else seats.last_waitlist_seq + 1
    session.add(attendee)
    write_history(session, actor, attendee, kind="status", to_status=attendee.status, reason="registration")
    audit(session, actor, attendee, f"event.attendee.{attendee.status}", {"email": email, "source": source.value})
    await announce(session, locked, attendee, attendee.status)
    try:
        await session.flush()  # the request rolls back on the error below: no savepoint needed
    except IntegrityError as exc:  # the same email registered a moment ago, between check and insert
        raise AlreadyRegistered(f"{email} is already registered for this event") from exc
    return Registration(attendee, None if seated else seats.waitlisted + 1)


async def set_status(
    session: AsyncSession,
    event: Event,
    attendee: Attendee,
    to: AttendeeStatus,
    actor: Actor,
    *,
    reason: str = "",
    action: str | None = None,
) -> None:
    """Apply a checked transition with its timestamps, history, audit entry and live event."""
    before = S(attendee.status)
    now = utcnow()
    attendee.status = to.value
    if to is S.CHECKED_IN:
        attendee.checked_in_at = now
    elif to is S.REGISTERED:
        attendee.checked_in_at = None
        attendee.offer_expires_at = None
    elif to is S.CANCELLED:
        attendee.cancelled_at = now
    attendee.updated_at = now
    write_history(session, actor, attendee, kind="status", from_status=before.value, to_status=to.value, reason=reason)
    verb = action or to.value
    audit(session, actor, attendee, f"event.attendee.{verb}", {"from": before.value, "to": to.value, "reason": reason})
    await announce(session, event, attendee, verb)
    await session.flush()  # counters read next in this request (dashboard, door) must see the change


def _check_allowed(current: AttendeeStatus, to: AttendeeStatus, actor: Actor) -> None:
    check_transition(current, to)
    if (current, to) in ORGANIZER_ONLY and not actor.is_organizer:
        raise InvalidTransition(
            "Only organizers can make this change", current=current.value, allowed=allowed_targets(current)
        )


def holds_offer(attendee: Attendee, now: datetime) -> bool:
    return (
        attendee.status == S.WAITLISTED.value
        and attendee.offer_expires_at is not None
        and attendee.offer_expires_at > now
    )


def holds_seat(attendee: Attendee, now: datetime) -> bool:
    return S(attendee.status) in SEATED or holds_offer(attendee, now)


async def change_status(
    session: AsyncSession, event: Event, attendee: Attendee, to: AttendeeStatus, actor: Actor, *, reason: str = ""
) -> Attendee:
    """Lock the event, re-read the attendee, check the move (and a seat for a promotion), apply it."""
    locked = await repository.lock_event(session, event.id)
    fresh = await repository.get_attendee(session, event.id, attendee.id, lock=True)
    if locked is None or fresh is None:
        raise NotFound("No such attendee")
    current = S(fresh.status)
    _check_allowed(current, to, actor)
    now = utcnow()
    freed = holds_seat(fresh, now) and to is S.CANCELLED
    action = None
    if current is S.WAITLISTED and to is S.REGISTERED:
        if not holds_offer(fresh, now):
            ticket_type = await repository.lock_ticket_type(session, event.id, fresh.ticket_type_id)
            use = await usage(session, event.id, now)
            if ticket_type is None or not use.has_seat(locked, ticket_type):
                raise CapacityFull("No seat is free for this attendee's ticket type", current=current.value)
        action = "promoted"
    elif current is S.CHECKED_IN and to is S.REGISTERED:
        action = "check_in_undone"
    await set_status(session, locked, fresh, to, actor, reason=reason, action=action)
    if freed:
        waitlist.seats_freed(session, event.id)
    return fresh


async def transition(
    session: AsyncSession,
    ctx: OrgContext,
    event_id: uuid.UUID,
    attendee_id: uuid.UUID,
    to: AttendeeStatus,
    reason: str = "",
) -> Attendee:
    event, attendee = await attendee_for(session, ctx, event_id, attendee_id, Permission.EVENT_WRITE)
    return await change_status(session, event, attendee, to, Actor.organizer(ctx), reason=clean(reason, "reason"))


_EDITABLE = ("name", "company", "job_title", "notes")


async def update(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, attendee_id: uuid.UUID, data: AttendeeUpdate
) -> Attendee:
    event, attendee = await attendee_for(session, ctx, event_id, attendee_id, Permission.EVENT_WRITE)
    fields = data.model_fields_set
    changes: dict[str, list[str]] = {}
    for attr in _EDITABLE:
        if attr not in fields:
            continue
        raw = getattr(data, attr)
        if raw is None:
            raise ValidationFailed.field(attr, "This field cannot be null")
        value = raw.strip() if attr == "notes" else clean(raw, attr, required=attr == "name")
        if getattr(attendee, attr) != value:
            changes[attr] = [getattr(attendee, attr), value]
            setattr(attendee, attr, value)
    if "ticket_type_id" in fields and data.ticket_type_id != attendee.ticket_type_id:
        await _move_ticket_type(session, event, attendee, data.ticket_type_id, changes)
    if changes:
        attendee.updated_at = utcnow()
        actor = Actor.organizer(ctx)
        write_history(session, actor, attendee, kind="edit", changes=changes)
        audit(session, actor, attendee, "event.attendee.updated", {"changes": changes})
        await announce(session, event, attendee, "updated")
    return attendee


async def _move_ticket_type(
    session: AsyncSession, event: Event, attendee: Attendee, target_id: uuid.UUID | None, changes: dict[str, list[str]]
) -> None:
    if target_id is None:
        raise ValidationFailed.field("ticket_type_id", "An attendee needs a ticket type")
    locked = await repository.lock_event(session, event.id)
    target = await repository.lock_ticket_type(session, event.id, target_id)
    if target is None or locked is None:
        raise ValidationFailed.field("ticket_type_id", "No such ticket type for this event")
    now = utcnow()
    if holds_seat(attendee, now):
        use = await usage(session, event.id, now)
        if use.type_free(target) == 0:
            raise CapacityFull(f"{target.name} has no free seat")
        waitlist.seats_freed(session, event.id)  # the old type gained one
    changes["ticket_type_id"] = [str(attendee.ticket_type_id), str(target.id)]
    attendee.ticket_type_id = target.id


@dataclass(frozen=True)
class CheckIn:
    attendee: Attendee
    already_checked_in: bool


async def check_in(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, code: str) -> CheckIn:
    event = await event_for(session, ctx, event_id, Permission.EVENT_WRITE)
    found = await repository.by_code_in_event(session, event.id, code.strip())
    if found is None:
        raise NotFound("No attendee of this event has that code")
    await repository.lock_event(session, event.id)  # a double scan at two doors checks in once
    attendee = await repository.get_attendee(session, event.id, found.id, lock=True)
    if attendee is None:
        raise NotFound("No attendee of this event has that code")
    status = S(attendee.status)
    if status is S.CHECKED_IN:
        return CheckIn(attendee, True)
    if status is S.CANCELLED:
        raise AttendeeCancelled(f"{attendee.name}'s registration was cancelled", attendee_id=str(attendee.id))
    if status is S.WAITLISTED:
        raise AttendeeWaitlisted(f"{attendee.name} is on the waitlist", attendee_id=str(attendee.id))
    fresh = await change_status(session, event, attendee, S.CHECKED_IN, Actor.organizer(ctx))
    return CheckIn(fresh, False)
