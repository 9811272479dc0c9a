"""The public ticket page `/t/{code}`: QR code, join URL only with a seat, waitlist position, offers
to claim, self-service cancel, the printable view, and 404 for a code nobody holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
