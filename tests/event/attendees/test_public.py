"""Public registration and the ticket link: no login, the organization from the URL or the code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from mandate.config import Settings
from mandate.kit.db import utcnow
from tests.event.attendees.conftest import Setup, make_setup, make_ticket_type, set_event
from tests.helpers.api import assert_problem, assert_validation
from tests.helpers.fixtures import OrgFactory
from tests.helpers.mail import link_in, only_message

pytestmark = pytest.mark.anyio


def path(s: Setup) -> str:
    return f"/api/public/events/{s.org.slug}/{s.event.slug}/registrations"


async def public_register(client: httpx.AsyncClient, s: Setup, email: str, **fields: Any) -> httpx.Response:
    payload = {"name": "Grace Hopper", "email": email, "ticket_type_id": str(s.ticket_type.id), **fields}
    return await client.post(path(s), json=payload)


class TestPublicRegistration:
    async def test_registers_and_emails_the_ticket_link(
        self, app: Any, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        response = await public_register(client, setup, "Grace@Example.com")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "registered" and body["waitlist_position"] is None
        assert body["ticket_url"].startswith("http://testserver/t/")
        message = await only_message(app, "grace@example.com")
        assert link_in(message, "/t/") == body["ticket_url"]
        listed = (await setup.org.viewer.client.get(f"{setup.base}/attendees")).json()["items"]
        assert [(a["email"], a["source"]) for a in listed] == [("grace@example.com", "public")]

    async def test_a_full_event_answers_the_waitlist_position(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        s = await make_setup(app, orgs, capacity=1)
        await public_register(client, s, "a@example.com")
        body = (await public_register(client, s, "b@example.com")).json()
        assert (body["status"], body["waitlist_position"]) == ("waitlisted", 1)
        assert "waitlist" in (await only_message(app, "b@example.com")).subject

    async def test_the_same_email_twice_is_409(self, client: httpx.AsyncClient, setup: Setup) -> None:
        await public_register(client, setup, "twice@example.com")
        assert_problem(await public_register(client, setup, " TWICE@example.com"), 409, "already_registered")

    async def test_unknown_or_unpublished_events_are_404(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        draft = await make_setup(app, orgs, status="draft")
        assert_problem(await public_register(client, draft, "x@example.com"), 404)
        payload = {"name": "X", "email": "x@example.com", "ticket_type_id": str(draft.ticket_type.id)}
        assert_problem(
            await client.post(f"/api/public/events/no-org/{draft.event.slug}/registrations", json=payload), 404
        )
        assert_problem(
            await client.post(f"/api/public/events/{draft.org.slug}/no-event/registrations", json=payload), 404
        )

    async def test_another_organizations_ticket_type_is_refused(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        other = await make_setup(app, orgs)
        response = await public_register(client, setup, "x@example.com", ticket_type_id=str(other.ticket_type.id))
        assert_validation(response, "ticket_type_id")

    async def test_only_free_visible_tickets_on_sale_within_the_window(
        self, app: Any, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        now = utcnow()
        hidden = await make_ticket_type(app, setup.org.id, setup.event.id, visible=False)
        paid = await make_ticket_type(app, setup.org.id, setup.event.id, price_minor=100)
        later = await make_ticket_type(app, setup.org.id, setup.event.id, sales_start_at=now + timedelta(days=1))
        ended = await make_ticket_type(app, setup.org.id, setup.event.id, sales_end_at=now - timedelta(days=1))
        assert_validation(
            await public_register(client, setup, "h@example.com", ticket_type_id=str(hidden.id)), "ticket_type_id"
        )
        for t in (paid, later, ended):
            response = await public_register(client, setup, "p@example.com", ticket_type_id=str(t.id))
            assert_problem(response, 409, "ticket_not_on_sale")
        await set_event(app, setup.org.id, setup.event.id, registration_closes_at=now - timedelta(minutes=1))
        assert_problem(await public_register(client, setup, "c@example.com"), 409, "registration_closed")
        await set_event(
            app,
            setup.org.id,
            setup.event.id,
            registration_closes_at=None,
            registration_opens_at=now + timedelta(days=1),
        )
        assert_problem(await public_register(client, setup, "c@example.com"), 409, "registration_closed")

    async def test_bad_input_names_the_field(self, client: httpx.AsyncClient, setup: Setup) -> None:
        assert_validation(await public_register(client, setup, "nope"), "email")
        assert_validation(await public_register(client, setup, "n@example.com", name=" "), "name")


class TestRateLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"event_registrations_per_email": "2 per hour", "event_registrations_per_ip": "3 per minute"}
        )

    async def test_per_email_then_per_ip(self, client: httpx.AsyncClient, setup: Setup) -> None:
        assert (await public_register(client, setup, "same@example.com")).status_code == 201
        assert (await public_register(client, setup, "SAME@example.com")).status_code == 409
        limited = await public_register(client, setup, "same@example.com")
        assert_problem(limited, 429, "too_many_requests")
        assert int(limited.headers["retry-after"]) >= 1
        assert (await public_register(client, setup, "other@example.com")).status_code == 201
        assert_problem(await public_register(client, setup, "third@example.com"), 429, "too_many_requests")


class TestTicketLinkRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"event_ticket_requests_per_ip": "3 per minute"})

    async def test_reads_and_unknown_codes_count_per_ip(self, client: httpx.AsyncClient, setup: Setup) -> None:
        ticket = await setup.registered()
        assert (await client.get(f"/api/public/tickets/{ticket['checkin_code']}")).status_code == 200
        assert (await client.get("/api/public/tickets/no-such-ticket-code-x")).status_code == 404
        assert (await client.post(f"/api/public/tickets/{ticket['checkin_code']}/claim")).status_code == 409
        limited = await client.get(f"/api/public/tickets/{ticket['checkin_code']}")
        assert_problem(limited, 429, "too_many_requests")
        assert int(limited.headers["retry-after"]) >= 1


class TestTicketLink:
    async def test_shows_the_ticket_with_the_join_url_only_when_registered(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        s = await make_setup(app, orgs, capacity=1)
        seated = await s.registered()
        waiting = await s.registered()
        mine = (await client.get(f"/api/public/tickets/{seated['checkin_code']}")).json()
        assert (mine["status"], mine["join_url"], mine["can_cancel"]) == (
            "registered",
            "https://meet.example/summit",
            True,
        )
        assert mine["event"]["title"] == s.event.title
        queued = (await client.get(f"/api/public/tickets/{waiting['checkin_code']}")).json()
        assert (queued["status"], queued["join_url"], queued["waitlist_position"]) == ("waitlisted", None, 1)

    async def test_unknown_codes_are_404(self, client: httpx.AsyncClient) -> None:
        for code in ("x", "no-such-code-at-all", "a" * 41):
            for method, suffix in (("GET", ""), ("POST", "/cancel"), ("POST", "/claim")):
                assert_problem(await client.request(method, f"/api/public/tickets/{code}{suffix}"), 404)

    async def test_self_cancel_frees_the_seat_for_the_next_in_line(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        s = await make_setup(app, orgs, capacity=1)
        seated = await s.registered()
        waiting = await s.registered()
        response = await client.post(f"/api/public/tickets/{seated['checkin_code']}/cancel")
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["can_cancel"]) == ("cancelled", False)
        ticket = (await client.get(f"/api/public/tickets/{waiting['checkin_code']}")).json()
        assert ticket["can_claim"] is True and ticket["offer_expires_at"] is not None
        again = await client.post(f"/api/public/tickets/{seated['checkin_code']}/cancel")
        assert_problem(again, 409, "invalid_transition")

    async def test_no_self_cancel_once_the_event_started(
        self, app: Any, client: httpx.AsyncClient, setup: Setup
    ) -> None:
        body = await setup.registered()
        await set_event(app, setup.org.id, setup.event.id, starts_at=utcnow() - timedelta(minutes=5))
        assert_problem(await client.post(f"/api/public/tickets/{body['checkin_code']}/cancel"), 409, "event_started")
        assert (await client.get(f"/api/public/tickets/{body['checkin_code']}")).json()["can_cancel"] is False
