"""Shared set-up of the event benchmarks: an organization with an API token, a published event with
one free ticket type, and optionally many attendees inserted in bulk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

PASSWORD = "bench-password-not-secret-2026"  # a throwaway local account
COMPANIES = ["Atlas Partners", "=Bright Capital", "Cobalt Advisory", "Delta & Co", "+Evergreen PE"]


@dataclass(frozen=True)
class Seeded:
    token: str
    org_id: uuid.UUID
    org_slug: str
    event_id: uuid.UUID
    event_slug: str
    ticket_type_id: uuid.UUID


async def seed(database_url: str, *, capacity: int | None, attendees: int = 0) -> Seeded:
    from mandate.account.service import create_user
    from mandate.authz.context import OrgContext
    from mandate.authz.roles import Role
    from mandate.event.models import Attendee, Event, TicketType
    from mandate.kit.db import create_engine, create_session_factory
    from mandate.kit.tenancy import set_organization
    from mandate.organization.service import create_organization, create_token

    engine = create_engine(database_url)
    starts = datetime.now(UTC) + timedelta(days=30)
    try:
        async with create_session_factory(engine)() as session:
            owner = await create_user(session, email="owner@bench.example", password=PASSWORD, full_name="Bench Owner")
            org = await create_organization(session, name="Bench Events", owner=owner)
            set_organization(session, org.id)
            _token, secret = await create_token(
                session, OrgContext(user=owner, organization=org, role=Role.OWNER), name="bench", expires_at=None
            )
            event = Event(
                id=uuid.uuid4(),
                organization_id=org.id,
                title="Bench summit",
                slug="bench-summit",
                status="published",
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                capacity=capacity,
            )
            ticket_type = TicketType(id=uuid.uuid4(), organization_id=org.id, event_id=event.id, name="General")
            session.add_all([event, ticket_type])
            await session.flush()
            base = datetime(2026, 1, 1, tzinfo=UTC)
            batch: list[dict[str, object]] = []
            for i in range(attendees):
                batch.append(
                    {
                        "id": uuid.uuid4(),
                        "organization_id": org.id,
                        "event_id": event.id,
                        "ticket_type_id": ticket_type.id,
                        "name": f"Attendee {i:06d}",
                        "email": f"attendee{i}@bench.example",
                        "company": COMPANIES[i % len(COMPANIES)],
                        "job_title": "Partner" if i % 3 else "Associate",
                        "status": "registered" if i % 10 else "checked_in",
                        "source": "public",
                        "checkin_code": uuid.uuid4().hex,
                        "registered_at": base + timedelta(seconds=i),
                        "checked_in_at": None if i % 10 else base + timedelta(days=1),
                        "notes": "",
                        "created_at": base,
                        "updated_at": base,
                    }
                )
                if len(batch) == 5000:
                    await session.execute(insert(Attendee), batch)
                    batch = []
            if batch:
                await session.execute(insert(Attendee), batch)
            await session.commit()
            return Seeded(secret, org.id, org.slug, event.id, event.slug, ticket_type.id)
    finally:
        await engine.dispose()


async def add_event(
    database_url: str, org_id: uuid.UUID, slug: str, *, capacity: int | None
) -> tuple[uuid.UUID, uuid.UUID]:
    """Another published event with one free ticket type: (event id, ticket type id)."""
    from mandate.event.models import Event, TicketType
    from mandate.kit.db import create_engine, create_session_factory
    from mandate.kit.tenancy import set_organization

    engine = create_engine(database_url)
    starts = datetime.now(UTC) + timedelta(days=30)
    try:
        async with create_session_factory(engine)() as session:
            set_organization(session, org_id)
            event = Event(
                id=uuid.uuid4(),
                organization_id=org_id,
                title=f"Bench {slug}",
                slug=slug,
                status="published",
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                capacity=capacity,
            )
            ticket_type = TicketType(id=uuid.uuid4(), organization_id=org_id, event_id=event.id, name="General")
            session.add(event)
            await session.flush()
            session.add(ticket_type)
            await session.commit()
            return event.id, ticket_type.id
    finally:
        await engine.dispose()
