"""Public attendee pages, no login: the ticket (`/t/{code}`, the code is the capability), its printable
view, self-service cancel and claiming an offered seat; and the registration form's post.

Each calls the public attendee functions the JSON API uses, so the rules (rate limits, sales windows,
capacity, offers) live in one place. Forms post without a session, so they are checked for same origin.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event import public
from mandate.event.attendees import public_api
from mandate.event.attendees.pages import build, form_values
from mandate.event.attendees.schemas import PublicRegistrationIn, PublicTicketOut
from mandate.event.models import AttendeeStatus
from mandate.event.qr import qr_svg
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError
from mandate.kit.session import DbSession
from mandate.web.deps import Page, PageDep, SameOrigin
from mandate.web.flash import flash
from mandate.web.formkit import field_errors, rollback_page
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

CodeParam = Annotated[str, Path(max_length=64)]
SlugParam = Annotated[str, Path(max_length=80)]
REGISTRATION_FIELDS = ("name", "email", "company", "job_title", "ticket_type_id")
RECOVERABLE = frozenset({409, 422, 429})


def ticket_path(code: str) -> str:
    return f"/t/{code}"


async def _ticket_context(db: AsyncSession, code: str) -> dict[str, object]:
    ticket: PublicTicketOut = await public_api.get_ticket(code, db)
    label = f"QR code of check-in code {ticket.checkin_code}"
    return {"t": ticket, "event": ticket.event, "qr": qr_svg(ticket.checkin_code, label=label)}


@router.get("/t/{code}", dependencies=public_api.TICKET_LIMIT)
async def ticket(code: CodeParam, page: PageDep, db: DbSession) -> Response:
    context = await _ticket_context(db, code)
    return render(page.request, "event/ticket.html", page.context(**context), headers={"Cache-Control": "no-store"})


@router.get("/t/{code}/print", dependencies=public_api.TICKET_LIMIT)
async def ticket_print(code: CodeParam, page: PageDep, db: DbSession) -> Response:
    context = await _ticket_context(db, code)
    return render(
        page.request, "event/ticket_print.html", page.context(**context), headers={"Cache-Control": "no-store"}
    )


async def _self_service(request: Request, code: str, action: str, done: str, db: AsyncSession) -> Response:
    response = RedirectResponse(ticket_path(code), status_code=303)
    try:
        if action == "cancel":
            await public_api.cancel_ticket(code, db)
        else:
            await public_api.claim_ticket(code, db)
    except AppError as error:
        if error.status != 409:
            raise
        await db.rollback()
        flash(request, response, error.detail, "error")
        return response
    flash(request, response, done)
    return response


@router.post("/t/{code}/cancel", dependencies=[SameOrigin, *public_api.TICKET_LIMIT])
async def cancel(code: CodeParam, request: Request, db: DbSession) -> Response:
    return await _self_service(request, code, "cancel", "Your registration is cancelled.", db)


@router.post("/t/{code}/claim", dependencies=[SameOrigin, *public_api.TICKET_LIMIT])
async def claim(code: CodeParam, request: Request, db: DbSession) -> Response:
    return await _self_service(request, code, "claim", "You're registered. Your seat is confirmed.", db)


# --- Registration (the form sits on the public event page) -------------------------------------


async def _refused(page: Page, db: AsyncSession, org_slug: str, event_slug: str, reg: dict[str, Any]) -> Response:
    """The public event page again, with what was typed and the errors next to their fields."""
    view = await public.load(db, org_slug, event_slug)
    context = page.context(
        view=view,
        event=view.event,
        org=view.org,
        days=public.by_day(view.sessions, view.event.timezone),
        now=utcnow(),
        reg=reg,
    )
    return render(page.request, "event/public.html", context, status_code=reg["error"].status)


@router.post("/e/{org_slug}/{event_slug}/register", dependencies=[SameOrigin])
async def register(org_slug: SlugParam, event_slug: SlugParam, page: PageDep, db: DbSession) -> Response:
    request = page.request
    form = form_values(await request.form(), REGISTRATION_FIELDS)
    try:
        body = build(PublicRegistrationIn, form)
        done = await public_api.register(org_slug, event_slug, body, request, db)
    except AppError as error:
        if error.status not in RECOVERABLE:
            raise
        await rollback_page(db, page)
        errors = field_errors(error)
        if error.code == "already_registered":
            errors["email"] = f"{error.detail}. Your ticket link is in the confirmation email."
        return await _refused(page, db, org_slug, event_slug, {"form": form, "errors": errors, "error": error})
    response = RedirectResponse(urlsplit(done.ticket_url).path, status_code=303)
    if done.status is AttendeeStatus.WAITLISTED:
        message = f"You're on the waitlist, position {done.waitlist_position}. We'll email you if a seat frees up."
    else:
        message = "You're registered. Your ticket is below, and we've emailed you the link."
    flash(request, response, message)
    return response
