"""The schedule: sessions inside the event's time span, no overlaps within one room, an order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.event import repository, rules, service
from mandate.event.models import Event, EventSession
from mandate.event.schemas import SessionCreate, SessionReorder, SessionUpdate, Speaker
from mandate.kit.errors import Conflict, FieldError, NotFound, ValidationFailed


class SessionOverlap(Conflict):
    code = "session_overlap"
    title = "Another session uses this room at that time"


def _speakers(speakers: list[Speaker]) -> list[dict[str, str]]:
    cleaned = []
    for i, s in enumerate(speakers):
        name = rules.collapse(s.name)
        if not name:
            raise ValidationFailed.field(f"speakers.{i}.name", "Give the speaker a name")
        cleaned.append({"name": name, "title": rules.collapse(s.title), "bio": s.bio.strip()})
    return cleaned


def _clock(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d %b %H:%M")


async def check_slot(
    session: AsyncSession,
    event: Event,
    starts_at: datetime,
    ends_at: datetime,
    room: str,
    *,
    exclude: uuid.UUID | None = None,
) -> None:
    """Inside the event and free in its room; raises naming the field (and the conflicting session)."""
    errors = rules.check_session_times(starts_at, ends_at, event.starts_at, event.ends_at)
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    if not room:
        return
    clash = await repository.room_overlap(session, event.id, room, starts_at, ends_at, exclude=exclude)
    if clash is not None:
        zone = event.timezone
        message = (
            f"{clash.room} is taken by “{clash.title}” ({_clock(clash.starts_at, zone)} to "
            f"{clash.ends_at.astimezone(ZoneInfo(zone)).strftime('%H:%M')})"
        )
        raise SessionOverlap(message, errors=[FieldError("room", message)], conflicting_session_id=str(clash.id))


async def get(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, session_id: uuid.UUID) -> EventSession:
    await service.get(session, ctx, event_id)
    found = await repository.get_session(session, event_id, session_id)
    if found is None:
        raise NotFound("No such session")
    return found


async def _writable(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[Event, EventSession]:
    event = await service.get_for_write(session, ctx, event_id)
    found = await repository.get_session(session, event_id, session_id)
    if found is None:
        raise NotFound("No such session")
    return event, found


async def add(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, data: SessionCreate) -> EventSession:
    event = await service.get_for_write(session, ctx, event_id)
    title = rules.collapse(data.title)
    if not title:
        raise ValidationFailed.field("title", "Give the session a title")
    room = rules.collapse(data.room)
    await check_slot(session, event, data.starts_at, data.ends_at, room)
    position = data.position if data.position is not None else await repository.next_session_position(session, event.id)
    slot = EventSession(
        organization_id=ctx.organization.id,
        event_id=event.id,
        title=title,
        description=data.description.strip(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        room=room,
        capacity=data.capacity,
        position=position,
        speakers=_speakers(data.speakers),
    )
    session.add(slot)
    await session.flush()
    record(session, ctx, "event.session.added", "event", event.id, {"session_id": str(slot.id), "title": title})
    await service.touch(session, ctx, event, "session_added", session_id=str(slot.id))
    return slot


async def update(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, session_id: uuid.UUID, data: SessionUpdate
) -> EventSession:
    event, slot = await _writable(session, ctx, event_id, session_id)
    sent = data.model_fields_set
    proposed: dict[str, Any] = {name: getattr(slot, name) for name in rules.SESSION_FIELDS}
    for name in sent:
        value = getattr(data, name)
        if value is None and name != "capacity":
            if name in ("title", "starts_at", "ends_at"):
                raise ValidationFailed.field(name, "This field cannot be empty")
            continue
        proposed[name] = value
    proposed["title"] = rules.collapse(proposed["title"])
    if not proposed["title"]:
        raise ValidationFailed.field("title", "Give the session a title")
    proposed["room"] = rules.collapse(proposed["room"])
    proposed["description"] = proposed["description"].strip()
    if "speakers" in sent and data.speakers is not None:
        proposed["speakers"] = _speakers(data.speakers)
    await check_slot(session, event, proposed["starts_at"], proposed["ends_at"], proposed["room"], exclude=slot.id)
    changed = sorted(name for name, value in proposed.items() if getattr(slot, name) != value)
    for name in changed:
        setattr(slot, name, proposed[name])
    if changed:
        data_out = {"session_id": str(slot.id), "fields": changed}
        record(session, ctx, "event.session.updated", "event", event.id, data_out)
        await service.touch(session, ctx, event, "session_updated", session_id=str(slot.id))
    await session.flush()
    return slot


async def remove(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, session_id: uuid.UUID) -> None:
    event, slot = await _writable(session, ctx, event_id, session_id)
    record(session, ctx, "event.session.removed", "event", event.id, {"session_id": str(slot.id), "title": slot.title})
    await session.delete(slot)
    await service.touch(session, ctx, event, "session_removed", session_id=str(slot.id))
    await session.flush()


async def _renumber(
    session: AsyncSession, ctx: OrgContext, event: Event, ordered: list[EventSession]
) -> list[EventSession]:
    for position, slot in enumerate(ordered):
        slot.position = position
    record(session, ctx, "event.session.reordered", "event", event.id, {"ids": [str(s.id) for s in ordered]})
    await service.touch(session, ctx, event, "sessions_reordered")
    await session.flush()
    return ordered


async def reorder(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, data: SessionReorder
) -> list[EventSession]:
    event = await service.get_for_write(session, ctx, event_id)
    current = {s.id: s for s in await repository.list_sessions(session, event.id)}
    if len(data.ids) != len(set(data.ids)) or set(data.ids) != set(current):
        raise ValidationFailed.field("ids", "List every session of the event exactly once")
    return await _renumber(session, ctx, event, [current[i] for i in data.ids])


async def move(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, session_id: uuid.UUID, direction: str
) -> EventSession:
    """One place up or down in the organizer's order (the schedule builder's buttons)."""
    if direction not in ("up", "down"):
        raise ValidationFailed.field("direction", "Move a session up or down")
    event, slot = await _writable(session, ctx, event_id, session_id)
    ordered = await repository.list_sessions(session, event.id)
    index = ordered.index(slot)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        await _renumber(session, ctx, event, ordered)
    return slot
