"""Event rules: create, edit, publish, cancel, delete; who may do what; the audit trail.

A published event whose end has passed reads as completed (`shown_status`); nothing needs to run
at the end of an event for that (docs/events.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event import repository, rules
from mandate.event.live import announce
from mandate.event.models import Event, EventStatus
from mandate.event.schemas import EventCreate, EventUpdate
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from mandate.kit.slug import slugify, with_suffix

EVENT_FIELDS = rules.EVENT_FIELDS
_TEXT_FIELDS = ("description", "venue_name", "venue_address", "online_url")
# Fields that may be cleared with null; the rest keep their value when null is sent.
_NULLABLE = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "capacity")


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Another event of your organization uses this address"


class CapacityBelowUsage(Conflict):
    code = "capacity_below_usage"
    title = "Capacity cannot go below the seats already taken"


class InvalidEventStatus(Conflict):
    code = "invalid_status"
    title = "The event's status does not allow this"


class EventCancelled(Conflict):
    code = "event_cancelled"
    title = "This event is cancelled"


class EventNotDraft(Conflict):
    code = "event_not_draft"
    title = "Only a draft event can be deleted"


class EventHasAttendees(Conflict):
    code = "event_has_attendees"
    title = "This event has attendees"


def shown_status(event: Event, now: datetime | None = None) -> str:
    if event.status == EventStatus.PUBLISHED.value and event.ends_at is not None and event.ends_at < (now or utcnow()):
        return EventStatus.COMPLETED.value
    return event.status


def values_of(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in (*EVENT_FIELDS, "status")}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def get(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID) -> Event:
    event = await repository.get_event(session, event_id)
    if event is None:
        raise NotFound("No such event")
    ctx.require(Permission.EVENT_READ)
    return event


async def get_for_write(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID) -> Event:
    """The event, locked for the transaction on PostgreSQL; a cancelled event cannot change."""
    event = await repository.get_event(session, event_id, for_update=True)
    if event is None:
        raise NotFound("No such event")
    ctx.require(Permission.EVENT_WRITE)
    if event.status == EventStatus.CANCELLED.value:
        raise EventCancelled("A cancelled event cannot be changed")
    return event


async def _free_slug(session: AsyncSession, title: str) -> str:
    base = slugify(title, fallback="event")
    taken = await repository.slugs_like(session, base)
    if base not in taken:
        return base
    n = 2
    while with_suffix(base, n) in taken:
        n += 1
    return with_suffix(base, n)


async def check_slug(session: AsyncSession, slug: str, *, exclude: uuid.UUID | None = None) -> None:
    if await repository.slug_taken(session, slug, exclude=exclude):
        message = f"Another event already uses /{slug}; choose another address"
        raise SlugTaken(message, errors=[FieldError("slug", message)])


def _normalise(values: dict[str, Any]) -> None:
    values["title"] = rules.collapse(values.get("title") or "")
    for name in _TEXT_FIELDS:
        values[name] = (values.get(name) or "").strip()
    if hasattr(values.get("format"), "value"):
        values["format"] = values["format"].value


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        detail = errors[0].message if len(errors) == 1 else "Some fields need your attention"
        raise ValidationFailed(detail, errors=errors)


async def create(session: AsyncSession, ctx: OrgContext, data: EventCreate) -> Event:
    ctx.require(Permission.EVENT_WRITE)
    values = data.model_dump()
    _normalise(values)
    _raise_if(rules.check_event(values))
    if data.slug:
        await check_slug(session, data.slug)
        slug = data.slug
    else:
        slug = await _free_slug(session, values["title"])
    values["slug"] = slug
    event = Event(organization_id=ctx.organization.id, created_by_id=ctx.user.id, **values)
    session.add(event)
    await session.flush()
    record(session, ctx, "event.created", "event", event.id, {"title": event.title, "slug": event.slug})
    announce(session, ctx, event.id, "created", title=event.title, status=event.status)
    return event


async def _check_capacity(session: AsyncSession, event: Event, capacity: int | None) -> None:
    if capacity is None or capacity == event.capacity:
        return
    used = await repository.seats_in_use(session, event.id)
    if capacity < used:
        message = f"{used} seats are taken; the capacity cannot go below that"
        raise CapacityBelowUsage(message, errors=[FieldError("capacity", message)], seats_in_use=used)


async def _check_sessions_fit(session: AsyncSession, event: Event, values: dict[str, Any]) -> None:
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is None or ends is None or (starts == event.starts_at and ends == event.ends_at):
        return
    outside = await repository.sessions_outside(session, event.id, starts, ends)
    if outside:
        noun = "session falls" if outside == 1 else "sessions fall"
        message = f"{outside} {noun} outside these times; move {'it' if outside == 1 else 'them'} first"
        raise ValidationFailed(message, errors=[FieldError("starts_at", message), FieldError("ends_at", message)])


async def update(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, data: EventUpdate) -> Event:
    event = await get_for_write(session, ctx, event_id)
    sent = data.model_fields_set
    proposed = values_of(event)
    for name in sent & set(EVENT_FIELDS):
        value = getattr(data, name)
        if value is None and name not in _NULLABLE:
            if name in ("title", "slug", "timezone", "format"):
                raise ValidationFailed.field(name, "This field cannot be empty")
            value = "" if name in _TEXT_FIELDS else getattr(event, name)
        proposed[name] = value
    _normalise(proposed)
    errors = rules.check_event(proposed)
    if event.status == EventStatus.PUBLISHED.value:
        count = await repository.count_ticket_types(session, event.id)
        errors += rules.missing_for_publish(proposed, count, utcnow())
    _raise_if(errors)
    if proposed["slug"] != event.slug:
        await check_slug(session, proposed["slug"], exclude=event.id)
    await _check_capacity(session, event, proposed["capacity"])
    await _check_sessions_fit(session, event, proposed)
    changes: dict[str, list[Any]] = {}
    for name in EVENT_FIELDS:
        old, new = getattr(event, name), proposed[name]
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(event, name, new)
    step = data.wizard_step if "wizard_step" in sent else None
    if step is not None:
        if step not in rules.WIZARD_STEPS:
            raise ValidationFailed.field("wizard_step", f"Use one of {', '.join(rules.WIZARD_STEPS)}")
        event.wizard_step = step
    if changes:
        event.updated_at = utcnow()
        record(session, ctx, "event.updated", "event", event.id, {"changes": changes})
        announce(session, ctx, event.id, "updated", title=event.title, fields=sorted(changes))
    await session.flush()
    return event


async def touch(session: AsyncSession, ctx: OrgContext, event: Event, action: str, **data: Any) -> None:
    """A change to the schedule or tickets: the event's updated time and the live event."""
    event.updated_at = utcnow()
    announce(session, ctx, event.id, action, title=event.title, **data)


async def publish_problems(session: AsyncSession, event: Event) -> list[FieldError]:
    count = await repository.count_ticket_types(session, event.id)
    return rules.check_event(values_of(event)) + rules.missing_for_publish(values_of(event), count, utcnow())


async def publish(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID) -> Event:
    event = await get_for_write(session, ctx, event_id)
    if event.status != EventStatus.DRAFT.value:
        raise InvalidEventStatus(f"The event is {shown_status(event)}; only a draft can be published")
    problems = await publish_problems(session, event)
    if problems:
        raise ValidationFailed("The event is not ready to publish", errors=problems)
    event.status = EventStatus.PUBLISHED.value
    event.published_at = event.updated_at = utcnow()
    event.wizard_step = "review"
    record(session, ctx, "event.published", "event", event.id, {"title": event.title})
    announce(session, ctx, event.id, "published", title=event.title, status=event.status)
    await session.flush()
    return event


async def cancel(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, reason: str = "") -> Event:
    event = await get_for_write(session, ctx, event_id)
    if shown_status(event) == EventStatus.COMPLETED.value:
        raise InvalidEventStatus("A completed event cannot be cancelled")
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at = event.updated_at = utcnow()
    record(session, ctx, "event.cancelled", "event", event.id, {"title": event.title, "reason": reason})
    announce(session, ctx, event.id, "cancelled", title=event.title, status=event.status)
    await session.flush()
    return event


async def delete(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID) -> str:
    event = await repository.get_event(session, event_id, for_update=True)
    if event is None:
        raise NotFound("No such event")
    ctx.require(Permission.EVENT_WRITE)
    if event.status != EventStatus.DRAFT.value:
        raise EventNotDraft(f"The event is {shown_status(event)}; cancel it instead of deleting it")
    attendees = await repository.count_attendees(session, event.id)
    if attendees:
        raise EventHasAttendees(f"The event has {attendees} attendee record(s); it cannot be deleted")
    title = event.title
    record(session, ctx, "event.deleted", "event", event.id, {"title": title, "slug": event.slug})
    announce(session, ctx, event.id, "deleted", title=title)
    await session.delete(event)
    await session.flush()
    return title
