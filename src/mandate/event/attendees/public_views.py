"""Public attendee pages, no login: the ticket (`/t/{code}`, the code is the capability), its printable
view, self-service cancel and claiming an offered seat; and the registration form's post.

Each calls the public attendee functions the JSON API uses, so the rules (rate limits, sales windows,
capacity, offers) live in one place. Forms post without a session, so they are checked for same origin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.attendees import public_api
from mandate.event.attendees.schemas import PublicTicketOut
from mandate.event.qr import qr_svg
from mandate.kit.errors import AppError
from mandate.kit.session import DbSession
from mandate.web.deps import PageDep, SameOrigin
from mandate.web.flash import flash
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

CodeParam = Annotated[str, Path(max_length=64)]


def ticket_path(code: str) -> str:
    return f"/t/{code}"


async def _ticket_context(db: AsyncSession, code: str) -> dict[str, object]:
    ticket: PublicTicketOut = await public_api.get_ticket(code, db)
    label = f"QR code of check-in code {ticket.checkin_code}"
    return {"t": ticket, "event": ticket.event, "qr": qr_svg(ticket.checkin_code, label=label)}


@router.get("/t/{code}")
async def ticket(code: CodeParam, page: PageDep, db: DbSession) -> Response:
    context = await _ticket_context(db, code)
    return render(page.request, "event/ticket.html", page.context(**context), headers={"Cache-Control": "no-store"})


@router.get("/t/{code}/print")
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


@router.post("/t/{code}/cancel", dependencies=[SameOrigin])
async def cancel(code: CodeParam, request: Request, db: DbSession) -> Response:
    return await _self_service(request, code, "cancel", "Your registration is cancelled.", db)


@router.post("/t/{code}/claim", dependencies=[SameOrigin])
async def claim(code: CodeParam, request: Request, db: DbSession) -> Response:
    return await _self_service(request, code, "claim", "You're registered. Your seat is confirmed.", db)
