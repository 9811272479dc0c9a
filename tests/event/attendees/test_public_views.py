"""The public ticket page `/t/{code}`: QR code, join URL only with a seat, waitlist position, offers
to claim, self-service cancel, the printable view, and 404 for a code nobody holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest

from mandate.event.qr import qr_svg
from tests.event.attendees.conftest import Setup, set_event
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


def ticket(code: str) -> str:
    return f"/t/{code}"


class TestQr:
    def test_an_accessible_svg_that_scales(self) -> None:
        svg = qr_svg("abc<>", label="QR code of <abc>")
        assert svg.startswith('<svg role="img" aria-label="QR code of &lt;abc&gt;"')
        assert 'viewBox="0 0 ' in svg and "width=" not in svg.split(">", 1)[0]
        assert qr_svg("abc", label="x") != qr_svg("abd", label="x")


class TestTicketPage:
    async def test_registered_ticket(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        await set_event(app, setup.org.id, setup.event.id, timezone="Asia/Tokyo", venue_name="Hall 1")
        attendee = await setup.registered(name="Grace Hopper")
        code = attendee["checkin_code"]
        response = await orgs.client().get(ticket(code))
        assert response.status_code == 200
        html = response.text
        assert f'aria-label="QR code of check-in code {code}"' in html and code in html
        assert "Grace Hopper" in html and "Hall 1" in html and "(Asia/Tokyo)" in html
        assert "https://meet.example/summit" in html  # the join URL, with a seat
        assert "Cancel my registration" in html and f'action="/t/{code}/cancel"' in html
        assert response.headers["cache-control"] == "no-store"
        printable = await orgs.client().get(f"{ticket(code)}/print")
        assert printable.status_code == 200 and "ticket-print.css" in printable.text and code in printable.text

    async def test_waitlisted_ticket_hides_the_join_url(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        await set_event(app, setup.org.id, setup.event.id, capacity=1)
        await setup.registered()
        waiting = await setup.registered(name="Alan Turing")
        response = await orgs.client().get(ticket(waiting["checkin_code"]))
        assert "You're on the waitlist, position 1" in response.text
        assert "meet.example" not in response.text and "Claim my seat" not in response.text

    async def test_unknown_code_is_404(self, orgs: OrgFactory) -> None:
        for code in ("nobody-holds-this-code", "x"):
            response = await orgs.client().get(ticket(code))
            assert response.status_code == 404 and "<html" in response.text


class TestSelfService:
    async def test_claim_an_offered_seat(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        await set_event(app, setup.org.id, setup.event.id, capacity=1)
        seated = await setup.registered()
        waiting = await setup.registered(name="Alan Turing")
        await setup.org.member.client.post(
            f"/api/events/{setup.event.id}/attendees/{seated['id']}/transition", json={"to": "cancelled"}
        )
        browser = orgs.client()
        page = await browser.get(ticket(waiting["checkin_code"]))
        assert "A seat is waiting for you" in page.text and re.search(r"Claim it before <time datetime=", page.text)
        claimed = await browser.post(f"{ticket(waiting['checkin_code'])}/claim")
        assert claimed.status_code == 303 and claimed.headers["location"] == ticket(waiting["checkin_code"])
        after = await browser.get(ticket(waiting["checkin_code"]))
        assert "Your seat is confirmed" in after.text and "meet.example" in after.text
        again = await browser.post(f"{ticket(waiting['checkin_code'])}/claim")
        assert "You are already registered" in (await browser.get(again.headers["location"])).text

    async def test_cancel_then_the_ticket_says_so(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered()
        browser = orgs.client()
        response = await browser.post(f"{ticket(attendee['checkin_code'])}/cancel")
        assert response.status_code == 303
        page = await browser.get(ticket(attendee["checkin_code"]))
        assert "Your registration is cancelled." in page.text and "This registration is cancelled" in page.text
        assert "Cancel my registration" not in page.text and "meet.example" not in page.text

    async def test_cancel_refused_once_the_event_started(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered()
        await set_event(app, setup.org.id, setup.event.id, starts_at=datetime.now(UTC) - timedelta(minutes=5))
        browser = orgs.client()
        assert "Cancel my registration" not in (await browser.get(ticket(attendee["checkin_code"]))).text
        response = await browser.post(f"{ticket(attendee['checkin_code'])}/cancel")
        page = await browser.get(response.headers["location"])
        assert "toast--error" in page.text and "The event has started" in page.text

    async def test_a_post_from_another_site_is_refused(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered()
        browser: httpx.AsyncClient = orgs.client()
        response = await browser.post(
            f"{ticket(attendee['checkin_code'])}/cancel", headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403
        assert "Cancel my registration" in (await browser.get(ticket(attendee["checkin_code"]))).text

    async def test_unknown_code_is_404(self, orgs: OrgFactory) -> None:
        assert (await orgs.client().post("/t/nobody-holds-this-code/cancel")).status_code == 404
        assert (await orgs.client().post("/t/nobody-holds-this-code/claim")).status_code == 404


async def publish_setup(app: Any, setup: Setup, **values: Any) -> str:
    """The public page's address; the event is published (published_at set) with `values`."""
    await set_event(app, setup.org.id, setup.event.id, published_at=datetime.now(UTC), **values)
    return f"/e/{setup.org.slug}/{setup.event.slug}"


def registration(setup: Setup, **fields: str) -> dict[str, str]:
    return {"name": "Grace Hopper", "email": "grace@example.com", "ticket_type_id": str(setup.ticket_type.id), **fields}


class TestRegistrationForm:
    async def test_register_then_the_ticket_page(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        public_path = await publish_setup(app, setup)
        browser = orgs.client()
        page = await browser.get(public_path)
        assert f'action="{public_path}/register"' in page.text and ">Register</button>" in page.text
        response = await browser.post(f"{public_path}/register", data=registration(setup, company="Navy"))
        assert response.status_code == 303 and re.fullmatch(r"/t/[A-Za-z0-9_-]+", response.headers["location"])
        ticket_page = await browser.get(response.headers["location"])
        assert "You're registered." in unescape(ticket_page.text) and "Grace Hopper" in ticket_page.text

    async def test_full_event_offers_the_waitlist(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        public_path = await publish_setup(app, setup, capacity=1)
        await setup.registered()
        browser = orgs.client()
        page = await browser.get(public_path)
        assert ">Join the waitlist</button>" in page.text
        response = await browser.post(f"{public_path}/register", data=registration(setup))
        assert response.status_code == 303
        ticket_page = await browser.get(response.headers["location"])
        assert "You're on the waitlist, position 1." in unescape(ticket_page.text)

    async def test_errors_next_to_fields_and_values_kept(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        public_path = await publish_setup(app, setup)
        browser = orgs.client()
        blank = await browser.post(f"{public_path}/register", data=registration(setup, name="", email="nope"))
        assert blank.status_code == 422
        assert re.search(r'id="name-error">This field is required', blank.text)
        first = await browser.post(f"{public_path}/register", data=registration(setup, email="ok@example.com"))
        assert first.status_code == 303
        again = await browser.post(f"{public_path}/register", data=registration(setup, email="OK@example.com"))
        assert again.status_code == 409
        assert re.search(r'id="email-error">[^<]*already registered', again.text)
        assert 'value="OK@example.com"' in again.text

    async def test_a_draft_or_unknown_event_is_404(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        browser = orgs.client()
        draft = f"/e/{setup.org.slug}/{setup.event.slug}/register"
        await set_event(app, setup.org.id, setup.event.id, status="draft")
        assert (await browser.post(draft, data=registration(setup))).status_code == 404
        assert (await browser.post("/e/nobody/nothing/register", data=registration(setup))).status_code == 404

    async def test_a_post_from_another_site_is_refused(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        public_path = await publish_setup(app, setup)
        response = await orgs.client().post(
            f"{public_path}/register", data=registration(setup), headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403
