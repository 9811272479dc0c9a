"""The event wizard: basics -> schedule -> tickets -> review and publish, at /events/{id}/edit/{step}.

Each step saves the draft and records the next step in `Event.wizard_step`, so /events/{id}/edit
resumes where the organizer left off; editing a published event reuses the same steps. Forms post
normally (no JavaScript needed); with htmx each field is checked as it is typed (`/validate/...`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.event import forms, repository, rules, schedule, service, tickets
from mandate.event.forms import build, field_errors
from mandate.event.models import Event, EventStatus
from mandate.event.schemas import (
    EventCreate,
    EventUpdate,
    SessionCreate,
    SessionUpdate,
    TicketTypeCreate,
    TicketTypeUpdate,
)
from mandate.event.views import event_id_of
from mandate.kit.errors import AppError, FieldError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.web.deps import OrgPage, Page
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.templating import render, templates

router = APIRouter(include_in_schema=False)

STEPS = [("basics", "Basics"), ("schedule", "Schedule"), ("tickets", "Tickets and capacity"), ("review", "Review")]
NEXT_STEP = {"basics": "schedule", "schedule": "tickets", "tickets": "review", "review": "review"}
RECOVERABLE = frozenset({402, 409, 422})
# Fields whose messages depend on each other: checking one refreshes the others' messages too.
GROUPS = {
    "basics": forms.BASICS_TIMES,
    "session": ("starts_at", "ends_at", "room"),
    "ticket": ("sales_start_at", "sales_end_at"),
}

templates.env.globals["event_steps"] = STEPS


def _redirect(url: str, request: Request | None = None, message: str = "") -> Response:
    response = RedirectResponse(url, status_code=303)
    if request is not None and message:
        flash(request, response, message)
    return response


async def _writable(db: AsyncSession, ctx: OrgContext, event_id: str) -> Event:
    event = await service.get(db, ctx, event_id_of(event_id))
    ctx.require(Permission.EVENT_WRITE)
    if event.status == EventStatus.CANCELLED.value:
        raise service.EventCancelled("A cancelled event cannot be changed")
    return event


def _child_id(raw: str | None) -> uuid.UUID | None:
    """A session or ticket type id from a form or query (blank: none), or 404."""
    return _path_id(raw) if raw else None


def _path_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("Not found") from None


async def _step_context(page: Page, db: AsyncSession, event: Event | None, step: str, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "event": event,
        "step": step,
        "status": service.shown_status(event) if event else "draft",
        "format_options": forms.FORMAT_OPTIONS,
        "timezones": [(z, z.replace("_", " ")) for z in ["UTC", *rules.timezone_choices()]],
        "currency_options": forms.CURRENCY_OPTIONS,
        "errors": {},
        **extra,
    }
    if event is not None:
        context["sessions"] = await repository.list_sessions(db, event.id)
        context["ticket_types"] = await repository.list_ticket_types(db, event.id)
        context["seats"] = await repository.seats_by_ticket_type(db, event.id)
    return page.context(**context)


async def _render_step(
    page: Page, db: AsyncSession, event: Event | None, step: str, status_code: int = 200, **extra: Any
) -> Response:
    context = await _step_context(page, db, event, step, **extra)
    return render(page.request, f"event/wizard_{step}.html", context, status_code=status_code)


async def _recover(page: Page, db: AsyncSession, error: AppError) -> None:
    """A form the page shows again with its errors; anything else (401/403/404) is the error page."""
    if error.status not in RECOVERABLE:
        raise error
    await rollback_page(db, page)


async def _failed(page: Page, db: AsyncSession, ctx: OrgContext, event_id: str, error: AppError) -> Event:
    """Recover, then reload the event as it is (the rollback dropped the attempted change)."""
    await _recover(page, db, error)
    return await service.get(db, ctx, event_id_of(event_id))


# --- Basics -------------------------------------------------------------------------------------


@router.get("/events/new")
async def new_event(pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    ctx.require(Permission.EVENT_WRITE)
    values = {"format": "in_person", "timezone": "Europe/London"}
    return await _render_step(page, db, None, "basics", form=values)


def _basics_create(values: dict[str, str]) -> EventCreate:
    payload, errors = forms.basics_payload(values)
    return build(EventCreate, payload, errors)


def _basics_update(values: dict[str, str]) -> EventUpdate:
    payload, errors = forms.basics_payload(values)
    return build(EventUpdate, {**payload, "wizard_step": NEXT_STEP["basics"]}, errors)


@router.post("/events/new")
async def create_event(request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    ctx.require(Permission.EVENT_WRITE)
    values = forms.raw(await request.form(), forms.BASICS_FIELDS)
    try:
        event = await service.create(db, ctx, _basics_create(values))
        await service.update(db, ctx, event.id, EventUpdate(wizard_step="schedule"))
    except AppError as error:
        await _recover(page, db, error)
        return await _render_step(
            page, db, None, "basics", error.status, form=values, errors=field_errors(error), error=error
        )
    return _redirect(f"/events/{event.id}/edit/schedule", request, f"Saved {event.title} as a draft.")


@router.get("/events/{event_id}/edit")
async def resume(event_id: str, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    event = await _writable(db, ctx, event_id)
    step = event.wizard_step if event.wizard_step in NEXT_STEP else "basics"
    return _redirect(f"/events/{event.id}/edit/{step}")


@router.get("/events/{event_id}/edit/basics")
async def basics(event_id: str, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    return await _render_step(page, db, event, "basics", form=forms.basics_values(event))


@router.post("/events/{event_id}/edit/basics")
async def save_basics(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    values = forms.raw(await request.form(), forms.BASICS_FIELDS)
    try:
        event = await service.update(db, ctx, event.id, _basics_update(values))
    except AppError as error:
        failed = await _failed(page, db, ctx, event_id, error)
        return await _render_step(
            page, db, failed, "basics", error.status, form=values, errors=field_errors(error), error=error
        )
    return _redirect(f"/events/{event.id}/edit/schedule", request, "Saved the basics.")


# --- Schedule -----------------------------------------------------------------------------------


@router.get("/events/{event_id}/edit/schedule")
async def schedule_step(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    editing = _child_id(request.query_params.get("session"))
    values = {"starts_at": forms.local_input(event.starts_at, event.timezone)}
    if editing is not None:
        slot = await repository.get_session(db, event.id, editing)
        if slot is None:
            raise NotFound("No such session")
        values = forms.session_values(slot, event.timezone)
    return await _render_step(page, db, event, "schedule", form=values, editing=editing)


@router.post("/events/{event_id}/edit/schedule")
async def finish_schedule(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    event = await _writable(db, ctx, event_id)
    await service.update(db, ctx, event.id, EventUpdate(wizard_step=NEXT_STEP["schedule"]))
    return _redirect(f"/events/{event.id}/edit/tickets")


@router.post("/events/{event_id}/edit/schedule/sessions")
async def save_session(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    data = await request.form()
    editing = _child_id(forms.text(data, "session_id"))
    values = forms.raw(data, forms.SESSION_FIELDS)
    try:
        payload, errors = forms.session_payload(values, event.timezone)
        if editing is None:
            slot = await schedule.add(db, ctx, event.id, build(SessionCreate, payload, errors))
            message = f"Added {slot.title}."
        else:
            slot = await schedule.update(db, ctx, event.id, editing, build(SessionUpdate, payload, errors))
            message = f"Saved {slot.title}."
    except AppError as error:
        failed = await _failed(page, db, ctx, event_id, error)
        return await _render_step(
            page,
            db,
            failed,
            "schedule",
            error.status,
            form=values,
            errors=field_errors(error),
            error=error,
            editing=editing,
        )
    return _redirect(f"/events/{event.id}/edit/schedule#session-{slot.id}", request, message)


@router.post("/events/{event_id}/edit/schedule/sessions/{session_id}/delete")
async def delete_session(event_id: str, session_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    event = await _writable(db, ctx, event_id)
    await schedule.remove(db, ctx, event.id, _path_id(session_id))
    return _redirect(f"/events/{event.id}/edit/schedule", request, "Removed the session.")


@router.post("/events/{event_id}/edit/schedule/sessions/{session_id}/move")
async def move_session(event_id: str, session_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    event = await _writable(db, ctx, event_id)
    direction = forms.text(await request.form(), "direction")
    slot = await schedule.move(db, ctx, event.id, _path_id(session_id), direction)
    return _redirect(f"/events/{event.id}/edit/schedule#session-{slot.id}", request, f"Moved {slot.title} {direction}.")


# --- Tickets and capacity -----------------------------------------------------------------------


async def _tickets_page(page: Page, db: AsyncSession, event: Event, status_code: int = 200, **extra: Any) -> Response:
    extra.setdefault("settings", forms.settings_values(event))
    extra.setdefault("form", {"currency": "GBP", "visible": "1"})
    return await _render_step(page, db, event, "tickets", status_code, **extra)


@router.get("/events/{event_id}/edit/tickets")
async def tickets_step(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    editing = _child_id(request.query_params.get("ticket"))
    extra: dict[str, Any] = {"editing": editing}
    if editing is not None:
        ticket = await repository.get_ticket_type(db, event.id, editing)
        if ticket is None:
            raise NotFound("No such ticket type")
        extra["form"] = forms.ticket_values(ticket, event.timezone)
    return await _tickets_page(page, db, event, **extra)


@router.post("/events/{event_id}/edit/tickets")
async def save_settings(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    values = forms.raw(await request.form(), forms.SETTINGS_FIELDS)
    try:
        payload, errors = forms.settings_payload(values)
        data = build(EventUpdate, {**payload, "wizard_step": NEXT_STEP["tickets"]}, errors)
        await service.update(db, ctx, event.id, data)
    except AppError as error:
        failed = await _failed(page, db, ctx, event_id, error)
        errors_out = field_errors(error)
        return await _tickets_page(
            page, db, failed, error.status, settings=values, settings_errors=errors_out, error=error
        )
    return _redirect(f"/events/{event.id}/edit/review", request, "Saved tickets and capacity.")


@router.post("/events/{event_id}/edit/tickets/types")
async def save_ticket(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    data = await request.form()
    editing = _child_id(forms.text(data, "ticket_type_id"))
    values = forms.raw(data, forms.TICKET_FIELDS)
    base_url = str(request.app.state.settings.base_url)
    try:
        payload, errors = forms.ticket_payload(values, event.timezone)
        if editing is None:
            ticket = await tickets.add(db, ctx, event.id, build(TicketTypeCreate, payload, errors), base_url=base_url)
            message = f"Added the {ticket.name} ticket."
        else:
            changes = build(TicketTypeUpdate, payload, errors)
            ticket = await tickets.update(db, ctx, event.id, editing, changes, base_url=base_url)
            message = f"Saved the {ticket.name} ticket."
    except AppError as error:
        failed = await _failed(page, db, ctx, event_id, error)
        upgrade = error if error.status == 402 else None
        return await _tickets_page(
            page,
            db,
            failed,
            error.status,
            form=values,
            errors=field_errors(error),
            error=error,
            editing=editing,
            upgrade=upgrade,
        )
    return _redirect(f"/events/{event.id}/edit/tickets", request, message)


@router.post("/events/{event_id}/edit/tickets/types/{ticket_type_id}/delete")
async def delete_ticket(event_id: str, ticket_type_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    try:
        await tickets.remove(db, ctx, event.id, _path_id(ticket_type_id))
    except AppError as error:
        await _failed(page, db, ctx, event_id, error)
        response = _redirect(f"/events/{event.id}/edit/tickets")
        flash(request, response, error.detail, "error")
        return response
    return _redirect(f"/events/{event.id}/edit/tickets", request, "Removed the ticket type.")


# --- Review and publish -------------------------------------------------------------------------


@router.get("/events/{event_id}/edit/review")
async def review_step(event_id: str, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    event = await _writable(db, ctx, event_id)
    problems = await service.publish_problems(db, event) if event.status == EventStatus.DRAFT.value else []
    public_path = f"/e/{ctx.organization.slug}/{event.slug}"
    return await _render_step(page, db, event, "review", problems=problems, public_path=public_path)


@router.post("/events/{event_id}/publish")
async def publish(event_id: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    page, ctx = pair
    try:
        event = await service.publish(db, ctx, event_id_of(event_id))
    except AppError as error:
        failed = await _failed(page, db, ctx, event_id, error)
        problems = error.errors or [FieldError("status", error.detail)]
        public_path = f"/e/{ctx.organization.slug}/{failed.slug}"
        return await _render_step(
            page, db, failed, "review", error.status, problems=problems, error=error, public_path=public_path
        )
    return _redirect(f"/events/{event.id}", request, f"Published {event.title}. Registration is open.")


# --- Live validation (htmx) ---------------------------------------------------------------------


def _fragment(field: str, errors: dict[str, str], group: tuple[str, ...]) -> HTMLResponse:
    """The triggering field's error slot, plus out-of-band updates for the fields that depend on it."""
    names = [field, *(g for g in group if g != field and field in group)]
    html = templates.get_template("event/_field_errors.html").render(main=field, names=names, errors=errors)
    return HTMLResponse(html)


async def _validate_basics(db: AsyncSession, event: Event | None, values: dict[str, str]) -> dict[str, str]:
    errors = forms.check_basics(values)
    slug = values.get("slug", "").strip().lower()
    if "slug" not in errors and slug and await repository.slug_taken(db, slug, exclude=event.id if event else None):
        errors["slug"] = f"Another event already uses /{slug}; choose another address"
    return errors


async def _validate_session(db: AsyncSession, event: Event, values: dict[str, str], editing: str) -> dict[str, str]:
    payload, errors = forms.session_payload(values, event.timezone)
    starts, ends = payload.get("starts_at"), payload.get("ends_at")
    if starts is None or ends is None:
        return errors
    for e in rules.check_session_times(starts, ends, event.starts_at, event.ends_at):
        errors.setdefault(e.field, e.message)
    if not errors.get("starts_at") and not errors.get("ends_at") and rules.collapse(payload["room"]):
        try:
            await schedule.check_slot(
                db, event, starts, ends, rules.collapse(payload["room"]), exclude=_child_id(editing)
            )
        except (ValidationFailed, schedule.SessionOverlap) as error:
            errors.update(field_errors(error))
    return errors


def _validate_ticket(event: Event, values: dict[str, str]) -> dict[str, str]:
    payload, errors = forms.ticket_payload(values, event.timezone)
    for e in rules.check_sales_window(payload.get("sales_start_at"), payload.get("sales_end_at"), event.ends_at):
        errors.setdefault(e.field, e.message)
    return errors


@router.post("/events/validate/basics")
async def validate_new(request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    ctx.require(Permission.EVENT_WRITE)
    field = request.headers.get("hx-trigger-name", "")[:40]
    values = forms.raw(await request.form(), forms.BASICS_FIELDS)
    return _fragment(field, await _validate_basics(db, None, values), GROUPS["basics"])


@router.post("/events/{event_id}/validate/{kind}")
async def validate(event_id: str, kind: str, request: Request, pair: OrgPage, db: DbSession) -> Response:
    _page, ctx = pair
    event = await _writable(db, ctx, event_id)
    field = request.headers.get("hx-trigger-name", "")[:40]
    data = await request.form()
    if kind == "basics":
        errors = await _validate_basics(db, event, forms.raw(data, forms.BASICS_FIELDS))
    elif kind == "session":
        errors = await _validate_session(
            db, event, forms.raw(data, forms.SESSION_FIELDS), forms.text(data, "session_id")
        )
    elif kind == "ticket":
        errors = _validate_ticket(event, forms.raw(data, forms.TICKET_FIELDS))
    elif kind == "settings":
        errors = forms.settings_payload(forms.raw(data, forms.SETTINGS_FIELDS))[1]
    else:
        raise NotFound("No such form")
    return _fragment(field, errors, GROUPS.get(kind, ()))
