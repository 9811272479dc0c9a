"""Mail to attendees: the registration confirmation, the waitlist offer, and the promotion notice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.models import Attendee, Event
from mandate.mail import MailMessage, compose
from mandate.runtime import runtime_of

TICKET_PATH = "/t/"


def ticket_url(session: AsyncSession, attendee: Attendee) -> str:
    return f"{runtime_of(session).settings.base_url}{TICKET_PATH}{attendee.checkin_code}"


async def _send(session: AsyncSession, template: str, event: Event, attendee: Attendee) -> MailMessage:
    return await compose(
        session,
        template=f"event/email/{template}",
        to=attendee.email,
        to_name=attendee.name,
        organization_id=attendee.organization_id,
        context={
            "name": attendee.name,
            "event_title": event.title,
            "starts_at": event.starts_at,
            "ticket_url": ticket_url(session, attendee),
            "status": attendee.status,
            "offer_expires_at": attendee.offer_expires_at,
        },
    )


async def send_confirmation(session: AsyncSession, event: Event, attendee: Attendee) -> MailMessage:
    return await _send(session, "attendee_confirmation", event, attendee)


async def send_offer(session: AsyncSession, event: Event, attendee: Attendee) -> MailMessage:
    return await _send(session, "attendee_offer", event, attendee)


async def send_promoted(session: AsyncSession, event: Event, attendee: Attendee) -> MailMessage:
    return await _send(session, "attendee_promoted", event, attendee)
