"""Events and ticket types written straight to the database (their API is built elsewhere), and
small helpers for the attendee tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.event.models import Attendee, Event, TicketType
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import set_organization
from mandate.runtime import attach
from tests.helpers.fixtures import Org, OrgFactory

_n = itertools.count()
FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


async def make_event(app: Any, org_id: uuid.UUID, **fields: Any) -> Event:
    n = next(_n)
    values: dict[str, Any] = {
        "title": f"Deal makers summit {n}",
        "slug": f"summit-{n}",
        "status": "published",
        "starts_at": FUTURE,
        "ends_at": FUTURE + timedelta(hours=8),
        "online_url": "https://meet.example/summit",
        "claim_window_hours": 24,
        **fields,
    }
    event = Event(id=uuid.uuid4(), organization_id=org_id, **values)
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        session.add(event)
        await session.commit()
    return event


async def make_ticket_type(app: Any, org_id: uuid.UUID, event_id: uuid.UUID, **fields: Any) -> TicketType:
    values: dict[str, Any] = {"name": f"General {next(_n)}", "price_minor": 0, "visible": True, **fields}
    ticket_type = TicketType(id=uuid.uuid4(), organization_id=org_id, event_id=event_id, **values)
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        session.add(ticket_type)
        await session.commit()
    return ticket_type


async def set_event(app: Any, org_id: uuid.UUID, event_id: uuid.UUID, **values: Any) -> None:
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        await session.execute(update(Event).where(Event.id == event_id).values(**values))
        await session.commit()


async def load_attendees(app: Any, org_id: uuid.UUID, event_id: uuid.UUID) -> list[Attendee]:
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        stmt = select(Attendee).where(Attendee.event_id == event_id).order_by(Attendee.registered_at, Attendee.id)
        return list((await session.scalars(stmt)).all())


@dataclass
class Setup:
    org: Org
    event: Event
    ticket_type: TicketType

    @property
    def base(self) -> str:
        return f"/api/events/{self.event.id}"

    async def register(
        self, client: httpx.AsyncClient | None = None, email: str | None = None, **fields: Any
    ) -> httpx.Response:
        client = client or self.org.member.client
        payload = {
            "name": "Ada Lovelace",
            "email": email or f"ada{next(_n)}@example.com",
            "ticket_type_id": str(self.ticket_type.id),
            **fields,
        }
        return await client.post(f"{self.base}/attendees", json=payload)

    async def registered(self, **fields: Any) -> dict[str, Any]:
        response = await self.register(**fields)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


async def make_setup(app: Any, orgs: OrgFactory, *, quantity: int | None = None, **event_fields: Any) -> Setup:
    org = await orgs.create()
    event = await make_event(app, org.id, **event_fields)
    ticket_type = await make_ticket_type(app, org.id, event.id, quantity=quantity)
    return Setup(org, event, ticket_type)


@pytest.fixture
async def setup(app: Any, orgs: OrgFactory) -> Setup:
    return await make_setup(app, orgs)


@asynccontextmanager
async def org_session(app: Any, org_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
    """A session as a request or job has it: the runtime attached, the organization set; commits at
    the end and then runs the after-commit work (jobs, live events)."""
    async with attach(app.state.session_factory(), app.state.runtime) as session:
        set_organization(session, org_id)
        yield session
        await session.commit()
    await run_after_commit(session)
