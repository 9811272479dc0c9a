"""Many registrations at once, each in its own session and connection: the event lock never oversells."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mandate.event.attendees import service
from mandate.event.attendees.actors import ATTENDEE_ACTOR
from mandate.event.attendees.schemas import AttendeeCreate
from mandate.event.models import AttendeeSource
from tests.event.attendees.conftest import load_attendees, make_setup, org_session
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio
SEATS = 50
REGISTRATIONS = 200


async def test_200_concurrent_registrations_for_50_seats(app: Any, orgs: OrgFactory) -> None:
    s = await make_setup(app, orgs, capacity=SEATS)

    async def register(n: int) -> str:
        data = AttendeeCreate(name=f"Guest {n}", email=f"guest{n}@example.com", ticket_type_id=s.ticket_type.id)
        async with org_session(app, s.org.id) as session:
            done = await service.register(
                session, s.event, s.ticket_type, data, source=AttendeeSource.PUBLIC, actor=ATTENDEE_ACTOR
            )
            return done.attendee.status

    statuses = await asyncio.gather(*(register(n) for n in range(REGISTRATIONS)))
    assert statuses.count("registered") == SEATS
    assert statuses.count("waitlisted") == REGISTRATIONS - SEATS

    rows = await load_attendees(app, s.org.id, s.event.id)
    seated = [a for a in rows if a.status == "registered"]
    waiting = sorted((a for a in rows if a.status == "waitlisted"), key=lambda a: a.waitlist_seq or 0)
    assert len(seated) == SEATS
    assert [a.waitlist_seq for a in waiting] == list(range(1, REGISTRATIONS - SEATS + 1))
    # The line is in the order the lock was taken: every seat went before anyone queued, and
    # queue numbers follow registration times.
    assert max(a.registered_at for a in seated) <= min(a.registered_at for a in waiting)
    times = [a.registered_at for a in waiting]
    assert times == sorted(times)
