"""Freed seats go to the waitlist: offers by email, claims, expiry, and a claim window of 0."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select, update

from mandate.config import Settings
from mandate.event.attendees import offers
from mandate.event.models import Attendee
from mandate.jobs.models import Job
from mandate.kit.db import utcnow
from tests.event.attendees.conftest import Setup, load_attendees, make_setup, org_session, set_event
from tests.helpers.api import assert_problem, run_in_org
from tests.helpers.fixtures import OrgFactory
from tests.helpers.mail import link_in, outbox

pytestmark = pytest.mark.anyio


async def cancel(s: Setup, attendee_id: str) -> None:
    path = f"{s.base}/attendees/{attendee_id}/transition"
    response = await s.org.member.client.post(path, json={"to": "cancelled"})
    assert response.status_code == 200, response.text


async def attendee(s: Setup, attendee_id: str) -> dict[str, Any]:
    response = await s.org.member.client.get(f"{s.base}/attendees/{attendee_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def lapse(app: Any, s: Setup, attendee_id: str) -> None:
    """Move an open offer's deadline into the past, as time passing would."""
    past = utcnow() - timedelta(minutes=1)
    await run_in_org(
        app, s.org.id, update(Attendee).where(Attendee.id == uuid.UUID(attendee_id)).values(offer_expires_at=past)
    )


async def expire(app: Any, s: Setup, attendee_id: str) -> str:
    """What the delayed expiry job runs, called at its deadline."""
    async with org_session(app, s.org.id) as session:
        return await offers.expire_offer(session, s.event.id, uuid.UUID(attendee_id))


@pytest.fixture
async def full(app: Any, orgs: OrgFactory) -> Setup:
    return await make_setup(app, orgs, capacity=1)


class TestOffers:
    async def test_a_cancellation_offers_the_seat_to_the_first_in_line_by_email(self, app: Any, full: Setup) -> None:
        seated = await full.registered()
        first = await full.registered(email="first@example.com")
        second = await full.registered(email="second@example.com")
        await cancel(full, seated["id"])
        offered = await attendee(full, first["id"])
        assert offered["status"] == "waitlisted"
        assert offered["offer_expires_at"] is not None
        assert (await attendee(full, second["id"]))["offer_expires_at"] is None
        message = (await outbox(app, "first@example.com"))[-1]
        assert "seat" in message.subject.lower()
        assert link_in(message, "/t/") == f"http://testserver/t/{first['checkin_code']}"
        assert await outbox(app, "second@example.com") == []
        # The expiry is queued for the end of the claim window.
        async with org_session(app, full.org.id) as session:
            jobs = (await session.scalars(select(Job).where(Job.name == "event.expire_offer"))).all()
        assert len(jobs) == 1 and jobs[0].payload["attendee_id"] == first["id"]
        assert jobs[0].run_at > utcnow() + timedelta(hours=23)

    async def test_the_offered_seat_is_held_from_newcomers(self, full: Setup) -> None:
        seated = await full.registered()
        await full.registered()
        await cancel(full, seated["id"])
        assert (await full.registered())["status"] == "waitlisted"

    async def test_a_claim_registers_them(self, full: Setup) -> None:
        seated = await full.registered()
        waiting = await full.registered()
        await cancel(full, seated["id"])
        response = await full.org.member.client.post(f"/api/public/tickets/{waiting['checkin_code']}/claim")
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["can_claim"]) == ("registered", False)
        history = (await full.org.member.client.get(f"{full.base}/attendees/{waiting['id']}/history")).json()
        assert [(h["kind"], h["actor"]) for h in history["items"]] == [
            ("status", "organizer"),
            ("offer", "system"),
            ("status", "attendee"),
        ]
        again = await full.org.member.client.post(f"/api/public/tickets/{waiting['checkin_code']}/claim")
        assert assert_problem(again, 409, "offer_not_open")["reason"] == "already_registered"

    async def test_no_offer_yet_cannot_be_claimed(self, full: Setup) -> None:
        await full.registered()
        waiting = await full.registered()
        response = await full.org.member.client.post(f"/api/public/tickets/{waiting['checkin_code']}/claim")
        assert assert_problem(response, 409, "offer_not_open")["reason"] == "no_offer"

    async def test_an_expired_offer_cancels_the_entry_and_offers_the_next(self, app: Any, full: Setup) -> None:
        seated = await full.registered()
        first = await full.registered(email="first@example.com")
        second = await full.registered(email="second@example.com")
        await cancel(full, seated["id"])
        assert await expire(app, full, first["id"]) == "not_yet"  # fired early: puts itself back
        await lapse(app, full, first["id"])
        claim = await full.org.member.client.post(f"/api/public/tickets/{first['checkin_code']}/claim")
        assert assert_problem(claim, 409, "offer_not_open")["reason"] == "offer_expired"
        assert await expire(app, full, first["id"]) == "expired"
        lapsed = await attendee(full, first["id"])
        assert lapsed["status"] == "cancelled"
        history = (await full.org.member.client.get(f"{full.base}/attendees/{first['id']}/history")).json()["items"]
        assert (history[-1]["to_status"], history[-1]["actor"], history[-1]["reason"]) == (
            "cancelled",
            "system",
            "offer expired",
        )
        assert (await attendee(full, second["id"]))["offer_expires_at"] is not None
        assert link_in((await outbox(app, "second@example.com"))[-1], "/t/").endswith(second["checkin_code"])
        assert await expire(app, full, first["id"]) == "no_offer"  # a repeat does nothing

    async def test_claim_window_zero_registers_the_first_in_line_at_once(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, capacity=1, claim_window_hours=0)
        seated = await s.registered()
        first = await s.registered(email="first@example.com")
        await s.registered()
        await cancel(s, seated["id"])
        assert (await attendee(s, first["id"]))["status"] == "registered"
        assert "registered" in (await outbox(app, "first@example.com"))[-1].subject

    async def test_raising_capacity_offers_seats_in_order(self, app: Any, full: Setup) -> None:
        await full.registered()
        waiting = [await full.registered() for _ in range(4)]
        await set_event(app, full.org.id, full.event.id, capacity=3)
        async with org_session(app, full.org.id) as session:
            from mandate.event.attendees.waitlist import seats_freed

            seats_freed(session, full.event.id)
        offered = [(await attendee(full, w["id"]))["offer_expires_at"] is not None for w in waiting]
        assert offered == [True, True, False, False]

    async def test_a_newcomer_does_not_jump_the_line_for_a_freed_seat(self, app: Any, full: Setup) -> None:
        await full.registered()
        waiting = await full.registered()
        # A seat frees without the offer job having run yet (capacity raised directly).
        await set_event(app, full.org.id, full.event.id, capacity=2)
        newcomer = await full.registered()
        assert newcomer["status"] == "waitlisted"
        async with org_session(app, full.org.id) as session:
            await offers.offer_seats(session, full.event.id)
        assert (await attendee(full, waiting["id"]))["offer_expires_at"] is not None
        assert (await attendee(full, newcomer["id"]))["offer_expires_at"] is None

    async def test_cancelling_an_open_offer_offers_the_next(self, full: Setup) -> None:
        seated = await full.registered()
        first, second = await full.registered(), await full.registered()
        await cancel(full, seated["id"])
        await cancel(full, first["id"])
        assert (await attendee(full, second["id"]))["offer_expires_at"] is not None


@pytest.fixture
async def consumer_app(settings: Settings) -> AsyncIterator[Any]:
    """The app with a real queue (Huey on SQLite) and consumer threads, as the embedded mode runs."""
    from mandate.app import create_app

    app = create_app(settings.model_copy(update={"jobs_backend": "sqlite", "jobs_in_process": True}))
    async with LifespanManager(app):
        yield app


class TestWithARealConsumer:
    async def test_a_cancellation_reaches_the_next_in_line_through_the_queue(self, consumer_app: Any) -> None:
        orgs = OrgFactory(consumer_app)
        try:
            s = await make_setup(consumer_app, orgs, capacity=1)
            seated = await s.registered()
            waiting = await s.registered(email="next@example.com")
            await cancel(s, seated["id"])
            deadline = asyncio.get_running_loop().time() + 60
            while not await outbox(consumer_app, "next@example.com"):
                assert asyncio.get_running_loop().time() < deadline, "no offer was sent"
                await asyncio.sleep(0.05)  # polling the consumer thread's progress
            rows = {str(a.id): a for a in await load_attendees(consumer_app, s.org.id, s.event.id)}
            assert rows[waiting["id"]].offer_expires_at is not None
        finally:
            for c in orgs.clients:
                await c.aclose()
