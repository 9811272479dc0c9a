"""Builders shared by the event tests: events through the API, attendees straight into the table."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mandate.event.models import Attendee
from mandate.kit.tenancy import set_organization
from tests.helpers.fixtures import Actor

START = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
END = START + timedelta(hours=8)


def at(hours: float) -> str:
    """An ISO time `hours` after the event's start."""
    return (START + timedelta(hours=hours)).isoformat()


async def make_event(actor: Actor, **fields: Any) -> dict[str, Any]:
    payload = {
        "title": "Dealmakers Summit",
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        "venue_name": "The Guildhall",
        "timezone": "Europe/London",
        **fields,
    }
    r = await actor.client.post("/api/events", json=payload)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def add_ticket(actor: Actor, event_id: str, **fields: Any) -> dict[str, Any]:
    r = await actor.client.post(f"/api/events/{event_id}/ticket-types", json={"name": "Standard", **fields})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def add_session(actor: Actor, event_id: str, **fields: Any) -> dict[str, Any]:
    payload = {"title": "Opening keynote", "starts_at": at(0), "ends_at": at(1), "room": "Main hall", **fields}
    r = await actor.client.post(f"/api/events/{event_id}/sessions", json=payload)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def published_event(actor: Actor, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    event = await make_event(actor, **fields)
    ticket = await add_ticket(actor, event["id"], quantity=50)
    r = await actor.client.post(f"/api/events/{event['id']}/publish")
    assert r.status_code == 200, r.text
    return r.json(), ticket


async def insert_attendees(
    app: Any, org_id: uuid.UUID, event_id: str, ticket_type_id: str, statuses: list[str], **extra: Any
) -> None:
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        for i, status in enumerate(statuses):
            session.add(
                Attendee(
                    organization_id=org_id,
                    event_id=uuid.UUID(event_id),
                    ticket_type_id=uuid.UUID(ticket_type_id),
                    name=f"Guest {i}",
                    email=f"guest{i}-{secrets.token_hex(3)}@example.com",
                    status=status,
                    checkin_code=secrets.token_urlsafe(16),
                    **extra,
                )
            )
        await session.commit()
