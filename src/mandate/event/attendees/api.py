"""Organizer JSON routes for attendees: register, list, read, edit, transition, check in, stats, export."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from mandate.authz.dependencies import CurrentOrg
from mandate.authz.roles import Permission
from mandate.event.attendees import exports, repository, service
from mandate.event.attendees.schemas import (
    AttendeeCreate,
    AttendeeList,
    AttendeeOut,
    AttendeeSort,
    AttendeeUpdate,
    CheckInIn,
    CheckInOut,
    HistoryEntryOut,
    HistoryOut,
    StatsOut,
    TransitionIn,
)
from mandate.event.attendees.stats import event_stats
from mandate.event.models import Attendee, AttendeeHistory, AttendeeStatus
from mandate.kit.errors import ValidationFailed, responses
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from mandate.kit.session import DbSession

router = APIRouter(prefix="/api/events/{event_id}", tags=["event attendees"])


def attendee_out(attendee: Attendee, waitlist_position: int | None = None) -> AttendeeOut:
    return AttendeeOut(
        id=attendee.id,
        event_id=attendee.event_id,
        ticket_type_id=attendee.ticket_type_id,
        name=attendee.name,
        email=attendee.email,
        company=attendee.company,
        job_title=attendee.job_title,
        status=AttendeeStatus(attendee.status),
        source=attendee.source,
        checkin_code=attendee.checkin_code,
        registered_at=attendee.registered_at,
        checked_in_at=attendee.checked_in_at,
        cancelled_at=attendee.cancelled_at,
        waitlist_seq=attendee.waitlist_seq,
        waitlist_position=waitlist_position,
        offer_expires_at=attendee.offer_expires_at,
        notes=attendee.notes,
        created_at=attendee.created_at,
        updated_at=attendee.updated_at,
    )


def history_out(entry: AttendeeHistory) -> HistoryEntryOut:
    return HistoryEntryOut(
        id=entry.id,
        kind=entry.kind,
        from_status=entry.from_status,
        to_status=entry.to_status,
        changes=entry.changes,
        actor_id=entry.actor_id,
        actor=entry.actor_label,
        reason=entry.reason,
        created_at=entry.created_at,
    )


def attendee_filter(
    status: AttendeeStatus | None = None,
    ticket_type_id: uuid.UUID | None = None,
    checked_in: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
) -> repository.AttendeeFilter:
    for field, moment in (("registered_from", registered_from), ("registered_to", registered_to)):
        if moment is not None and moment.tzinfo is None:
            raise ValidationFailed.field(field, "Give a time with a UTC offset, e.g. 2026-01-31T09:00:00Z")
    return repository.AttendeeFilter(
        status=status.value if status else None,
        ticket_type_id=ticket_type_id,
        checked_in=checked_in,
        q=q.strip() if q else None,
        registered_from=registered_from,
        registered_to=registered_to,
    )


FilterDep = Annotated[repository.AttendeeFilter, Depends(attendee_filter)]


@router.post("/attendees", status_code=201, response_model=AttendeeOut, responses=responses(401, 403, 404, 409, 422))
async def register_attendee(event_id: uuid.UUID, body: AttendeeCreate, ctx: CurrentOrg, db: DbSession) -> AttendeeOut:
    """Adds an attendee to any ticket type; when the event or ticket type is full they join the
    waitlist (409 `capacity_full` if the event has none); 409 `already_registered` for a second
    active registration of the same email."""
    done = await service.organizer_register(db, ctx, event_id, body)
    return attendee_out(done.attendee, done.waitlist_position)


@router.get("/attendees", response_model=AttendeeList, responses=responses(401, 403, 404, 422))
async def list_attendees(
    event_id: uuid.UUID,
    ctx: CurrentOrg,
    db: DbSession,
    flt: FilterDep,
    sort: AttendeeSort = AttendeeSort.REGISTERED_AT,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AttendeeList:
    event = await service.event_for(db, ctx, event_id, Permission.EVENT_READ)
    page = await repository.list_attendees(db, event.id, flt, sort=sort, limit=limit, cursor=cursor)
    return AttendeeList(items=[attendee_out(a) for a in page.items], next_cursor=page.next_cursor)


@router.get(
    "/attendees/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV of the filtered attendees"},
        **responses(401, 403, 404, 422),
    },
)
async def export_attendees(
    event_id: uuid.UUID,
    ctx: CurrentOrg,
    db: DbSession,
    flt: FilterDep,
    request: Request,
    format: Annotated[str, Query(pattern="^csv$")] = "csv",
    sort: AttendeeSort = AttendeeSort.REGISTERED_AT,
) -> StreamingResponse:
    """Streams the attendees matching the filters as CSV (UTF-8 with BOM; columns in docs/events.md)."""
    event = await service.event_for(db, ctx, event_id, Permission.EVENT_READ)
    rows: AsyncIterator[bytes] = exports.stream(
        request.app.state.session_factory, ctx.organization.id, event.id, flt, sort
    )
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{exports.filename(event)}"'},
    )


@router.get("/stats", response_model=StatsOut, responses=responses(401, 403, 404))
async def stats(event_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> StatsOut:
    event = await service.event_for(db, ctx, event_id, Permission.EVENT_READ)
    return await event_stats(db, event)


@router.post("/check-in", response_model=CheckInOut, responses=responses(401, 403, 404, 409, 422))
async def check_in(event_id: uuid.UUID, body: CheckInIn, ctx: CurrentOrg, db: DbSession) -> CheckInOut:
    """Checks in by code; a second scan answers `already_checked_in: true`. 409 `attendee_cancelled`
    or `attendee_waitlisted` refuses with the reason."""
    done = await service.check_in(db, ctx, event_id, body.code)
    return CheckInOut(attendee=attendee_out(done.attendee), already_checked_in=done.already_checked_in)


@router.get("/attendees/{attendee_id}", response_model=AttendeeOut, responses=responses(401, 403, 404))
async def get_attendee(event_id: uuid.UUID, attendee_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> AttendeeOut:
    _event, attendee = await service.attendee_for(db, ctx, event_id, attendee_id, Permission.EVENT_READ)
    return attendee_out(attendee, await repository.waitlist_position(db, attendee))


@router.patch("/attendees/{attendee_id}", response_model=AttendeeOut, responses=responses(401, 403, 404, 409, 422))
async def update_attendee(
    event_id: uuid.UUID, attendee_id: uuid.UUID, body: AttendeeUpdate, ctx: CurrentOrg, db: DbSession
) -> AttendeeOut:
    attendee = await service.update(db, ctx, event_id, attendee_id, body)
    return attendee_out(attendee, await repository.waitlist_position(db, attendee))


@router.post(
    "/attendees/{attendee_id}/transition", response_model=AttendeeOut, responses=responses(401, 403, 404, 409, 422)
)
async def transition(
    event_id: uuid.UUID, attendee_id: uuid.UUID, body: TransitionIn, ctx: CurrentOrg, db: DbSession
) -> AttendeeOut:
    """409 `invalid_transition` lists the `allowed` targets; 409 `capacity_full` when a promotion has no seat."""
    attendee = await service.transition(db, ctx, event_id, attendee_id, body.to, body.reason)
    return attendee_out(attendee, await repository.waitlist_position(db, attendee))


@router.get("/attendees/{attendee_id}/history", response_model=HistoryOut, responses=responses(401, 403, 404))
async def attendee_history(event_id: uuid.UUID, attendee_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> HistoryOut:
    _event, attendee = await service.attendee_for(db, ctx, event_id, attendee_id, Permission.EVENT_READ)
    return HistoryOut(items=[history_out(e) for e in await repository.history(db, attendee.id)])
