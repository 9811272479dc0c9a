"""The attendee dashboard as a browser (and htmx) uses it: counters, filters, row actions, adding
an attendee and the CSV export of the current filter; other organizations get 404, viewers read only."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.event.attendees.conftest import Setup, make_ticket_type, set_event
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio

HTMX = {"HX-Request": "true"}


async def form_client(orgs: OrgFactory, email: str) -> httpx.AsyncClient:
    """A browser without JavaScript: the CSRF token travels in the form body only."""
    client = await orgs.login_cookie_client(email)
    del client.headers["X-CSRF-Token"]
    return client


async def post_form(client: httpx.AsyncClient, url: str, **data: str) -> httpx.Response:
    return await client.post(url, data={"csrf_token": client.cookies["mandate_csrf"], **data})


def dashboard(setup: Setup) -> str:
    return f"/events/{setup.event.id}/attendees"


def counter(html: str, name: str) -> str:
    found = re.search(rf'data-counter="{name}">(\d+)', html)
    assert found, f"no {name} counter"
    return found.group(1)


class TestDashboard:
    async def test_counters_table_and_live_stream(self, setup: Setup, orgs: OrgFactory) -> None:
        await setup.registered(name="Grace Hopper", email="grace@example.com", company="Navy")
        web = await orgs.login_cookie_client(setup.org.owner.email)
        response = await web.get(dashboard(setup))
        assert response.status_code == 200
        html = response.text
        assert "Grace Hopper" in html and "grace@example.com" in html and "Navy" in html
        assert counter(html, "registered") == "1" and counter(html, "waitlisted") == "0"
        assert f"channel=event%3A{setup.event.id}" in html  # the live stream of this event
        assert 'hx-trigger="sse:attendee.changed, sse:reload"' in html
        assert ">Check in<" in html and "Add an attendee" in html

    async def test_filters_narrow_the_table_and_the_export_link_keeps_them(
        self, setup: Setup, orgs: OrgFactory
    ) -> None:
        await setup.registered(name="Grace Hopper", email="grace@example.com")
        await setup.registered(name="Alan Turing", email="alan@example.com")
        web = await orgs.login_cookie_client(setup.org.owner.email)
        response = await web.get(dashboard(setup), params={"q": "grace", "status": "registered"})
        assert "Grace Hopper" in response.text and "Alan Turing" not in response.text
        assert f"{dashboard(setup)}/export.csv?q=grace&amp;status=registered" in response.text

        fragment = await web.get(dashboard(setup), params={"q": "alan"}, headers=HTMX)
        assert fragment.text.lstrip().startswith('<div id="attendee-results"')
        assert "Alan Turing" in fragment.text and "Grace Hopper" not in fragment.text
        assert 'id="attendee-counters" hx-swap-oob="true"' in fragment.text

    async def test_a_bad_date_is_named_and_ignored(self, setup: Setup, orgs: OrgFactory) -> None:
        await setup.registered(name="Grace Hopper")
        web = await orgs.login_cookie_client(setup.org.owner.email)
        response = await web.get(dashboard(setup), params={"registered_from": "yesterday"})
        assert response.status_code == 200
        assert "Give a date as YYYY-MM-DD" in response.text and "Grace Hopper" in response.text

    async def test_registration_dates_are_days_in_the_events_zone(
        self, app: Any, setup: Setup, orgs: OrgFactory
    ) -> None:
        await set_event(app, setup.org.id, setup.event.id, timezone="Pacific/Auckland")
        await setup.registered(name="Grace Hopper")
        today = datetime.now(ZoneInfo("Pacific/Auckland")).date()
        web = await orgs.login_cookie_client(setup.org.owner.email)
        same_day = {"registered_from": today.isoformat(), "registered_to": today.isoformat()}
        assert "Grace Hopper" in (await web.get(dashboard(setup), params=same_day)).text
        before = {"registered_to": (today - timedelta(days=1)).isoformat()}
        assert "No attendees match these filters" in (await web.get(dashboard(setup), params=before)).text
        after = {"registered_from": (today + timedelta(days=1)).isoformat()}
        csv_text = (await web.get(f"{dashboard(setup)}/export.csv", params=after)).content.decode("utf-8-sig")
        assert list(csv.DictReader(io.StringIO(csv_text))) == []

    async def test_pages_of_attendees(self, setup: Setup, orgs: OrgFactory) -> None:
        for n in range(27):
            await setup.registered(name=f"Person {n:02d}", email=f"p{n}@example.com")
        web = await orgs.login_cookie_client(setup.org.owner.email)
        first = await web.get(dashboard(setup), params={"sort": "name"})
        assert "Person 24" in first.text and "Person 25" not in first.text
        next_url = re.search(r'href="([^"]*cursor=[^"]+)"', first.text)
        assert next_url
        second = await web.get(next_url.group(1).replace("&amp;", "&"))
        assert "Person 25" in second.text and "Person 26" in second.text and "Person 00" not in second.text

    async def test_other_organization_gets_404(self, setup: Setup, orgs: OrgFactory) -> None:
        other = await orgs.create()
        web = await orgs.login_cookie_client(other.owner.email)
        assert (await web.get(dashboard(setup))).status_code == 404
        assert (await web.get(f"{dashboard(setup)}/export.csv")).status_code == 404
        assert (await web.get("/events/not-a-uuid/attendees")).status_code == 404

    async def test_viewer_reads_without_action_buttons(self, setup: Setup, orgs: OrgFactory) -> None:
        await setup.registered(name="Grace Hopper")
        web = await orgs.login_cookie_client(setup.org.viewer.email)
        response = await web.get(dashboard(setup))
        assert response.status_code == 200 and "Grace Hopper" in response.text
        assert "/transition" not in response.text and "Add an attendee" not in response.text
        assert "Open the door page" not in response.text

    async def test_logged_out_goes_to_login(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        response = await orgs.client().get(dashboard(setup))
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


class TestRowActions:
    async def test_check_in_undo_and_cancel_as_plain_posts(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        web = await form_client(orgs, setup.org.member.email)
        url = f"{dashboard(setup)}/{attendee['id']}/transition"
        back = f"{dashboard(setup)}?q=grace"

        response = await post_form(web, url, to="checked_in", next=back)
        assert response.status_code == 303 and response.headers["location"] == back
        page = await web.get(back)
        assert "Checked in Grace Hopper." in page.text and counter(page.text, "checked_in") == "1"
        assert ">Undo check-in<" in page.text and ">Check in<" not in page.text

        await post_form(web, url, to="registered", next=back)
        await post_form(web, url, to="cancelled", next=back)
        page = await web.get(back)
        assert counter(page.text, "cancelled") == "1"
        assert "/transition" not in page.text  # nothing is allowed from cancelled

    async def test_a_refused_move_says_why(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        web = await form_client(orgs, setup.org.member.email)
        url = f"{dashboard(setup)}/{attendee['id']}/transition"
        response = await post_form(web, url, to="waitlisted", next=dashboard(setup))
        assert response.status_code == 303
        page = await web.get(dashboard(setup))
        assert "toast--error" in page.text and "Grace Hopper: An attendee cannot go from registered" in page.text

    async def test_htmx_swaps_the_table_with_a_toast(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        web = await orgs.login_cookie_client(setup.org.member.email)
        url = f"{dashboard(setup)}/{attendee['id']}/transition"
        response = await web.post(url, data={"to": "checked_in", "next": dashboard(setup)}, headers=HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="attendee-results"')
        assert "Checked in Grace Hopper." in response.text and 'data-counter="checked_in">1' in response.text

    async def test_promote_needs_a_free_seat(self, app: Any, orgs: OrgFactory, setup: Setup) -> None:
        await set_event(app, setup.org.id, setup.event.id, capacity=1)
        first = await setup.registered(name="Grace Hopper")
        waiting = await setup.registered(name="Alan Turing")
        assert waiting["status"] == "waitlisted"
        web = await orgs.login_cookie_client(setup.org.member.email)
        base = dashboard(setup)
        response = await web.post(
            f"{base}/{waiting['id']}/transition", data={"to": "registered", "next": base}, headers=HTMX
        )
        assert "toast--error" in response.text and "Alan Turing:" in response.text
        await web.post(f"{base}/{first['id']}/transition", data={"to": "cancelled", "next": base}, headers=HTMX)
        page = await web.get(base)
        assert ">Promote<" in page.text or "Offer open" in page.text

    async def test_viewer_and_other_organization_are_refused(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        url = f"{dashboard(setup)}/{attendee['id']}/transition"
        viewer = await form_client(orgs, setup.org.viewer.email)
        assert (await post_form(viewer, url, to="checked_in")).status_code == 403
        other = await orgs.create()
        stranger = await form_client(orgs, other.owner.email)
        assert (await post_form(stranger, url, to="checked_in")).status_code == 404
        no_csrf = await form_client(orgs, setup.org.owner.email)
        assert (await no_csrf.post(url, data={"to": "checked_in"})).status_code == 403
        listed = await setup.org.owner.client.get(f"/api/events/{setup.event.id}/attendees/{attendee['id']}")
        assert listed.json()["status"] == "registered"


class TestAddAttendee:
    async def test_organizer_adds_to_a_hidden_paid_type(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        vip = await make_ticket_type(app, setup.org.id, setup.event.id, name="VIP", price_minor=50000, visible=False)
        web = await form_client(orgs, setup.org.member.email)
        response = await post_form(
            web,
            f"{dashboard(setup)}/new",
            name="Grace Hopper",
            email="grace@example.com",
            company="Navy",
            job_title="Rear admiral",
            ticket_type_id=str(vip.id),
        )
        assert response.status_code == 303
        page = await web.get(response.headers["location"])
        assert "Added Grace Hopper as registered." in page.text and "VIP" in page.text

    async def test_errors_next_to_fields(self, setup: Setup, orgs: OrgFactory) -> None:
        await setup.registered(email="grace@example.com")
        web = await form_client(orgs, setup.org.member.email)
        url = f"{dashboard(setup)}/new"
        missing = await post_form(web, url, name="", email="grace@example.com", ticket_type_id="")
        assert missing.status_code == 422
        assert re.search(r'id="name-error">This field is required', missing.text)
        assert re.search(r'id="ticket_type_id-error">Choose one from the list', missing.text)
        twice = await post_form(
            web, url, name="Grace", email="GRACE@example.com", ticket_type_id=str(setup.ticket_type.id)
        )
        assert twice.status_code == 409
        assert re.search(r'id="email-error">[^<]*already registered', twice.text)
        assert 'value="Grace"' in twice.text  # what was typed stays

    async def test_viewer_is_refused(self, setup: Setup, orgs: OrgFactory) -> None:
        web = await form_client(orgs, setup.org.viewer.email)
        response = await post_form(
            web, f"{dashboard(setup)}/new", name="X", email="x@example.com", ticket_type_id=str(setup.ticket_type.id)
        )
        assert response.status_code == 403


class TestExport:
    async def test_exports_exactly_the_filtered_rows(self, setup: Setup, orgs: OrgFactory) -> None:
        await setup.registered(name="Grace Hopper", email="grace@example.com", company="=cmd()")
        await setup.registered(name="Alan Turing", email="alan@example.com")
        web = await orgs.login_cookie_client(setup.org.viewer.email)
        response = await web.get(f"{dashboard(setup)}/export.csv", params={"q": "grace"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"].startswith("attachment;")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["name"] for r in rows] == ["Grace Hopper"]
        assert rows[0]["company"] == "'=cmd()"

    async def test_a_bad_filter_is_422(self, setup: Setup, orgs: OrgFactory) -> None:
        web = await orgs.login_cookie_client(setup.org.owner.email)
        response = await web.get(f"{dashboard(setup)}/export.csv", params={"registered_to": "31/01/2026"})
        assert response.status_code == 422
