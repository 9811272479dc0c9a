"""The door page: typed or scanned codes, a second scan, refusals with their reason, search by name."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mandate.event.attendees.door_views import read_code
from tests.event.attendees.conftest import Setup, set_event
from tests.event.attendees.test_views import HTMX, form_client, post_form
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


def door(setup: Setup) -> str:
    return f"/events/{setup.event.id}/door"


class TestReadCode:
    def test_a_scanned_ticket_link_gives_its_code(self) -> None:
        assert read_code("  abc123XYZ_- ") == "abc123XYZ_-"
        assert read_code("https://mandate.example/t/abc123XYZ_-") == "abc123XYZ_-"
        assert read_code("https://mandate.example/t/abc123/print?x=1") == "abc123"


class TestDoorPage:
    async def test_check_in_by_typed_code_then_again(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        await set_event(app, setup.org.id, setup.event.id, timezone="America/New_York")
        attendee = await setup.registered(name="Grace Hopper")
        web = await form_client(orgs, setup.org.member.email)
        page = await web.get(door(setup))
        assert page.status_code == 200 and 'name="code"' in page.text and "autofocus" in page.text

        first = await post_form(web, door(setup), code=attendee["checkin_code"])
        assert first.status_code == 200
        assert "doorresult--success" in first.text and "Checked in" in first.text and "Grace Hopper" in first.text
        assert 'role="status"' in first.text

        again = await post_form(web, door(setup), code=f"http://testserver/t/{attendee['checkin_code']}")
        assert again.status_code == 200 and "doorresult--warning" in again.text
        checked = await setup.org.owner.client.get(f"/api/events/{setup.event.id}/attendees/{attendee['id']}")
        at = datetime.fromisoformat(checked.json()["checked_in_at"]).astimezone(ZoneInfo("America/New_York"))
        assert f"Already checked in at {at:%H:%M}" in again.text

    async def test_refusals_say_why(self, app: Any, setup: Setup, orgs: OrgFactory) -> None:
        await set_event(app, setup.org.id, setup.event.id, capacity=1)
        seated = await setup.registered(name="Grace Hopper")
        waiting = await setup.registered(name="Alan Turing")
        assert waiting["status"] == "waitlisted"
        web = await form_client(orgs, setup.org.member.email)
        refused = await post_form(web, door(setup), code=waiting["checkin_code"])
        assert refused.status_code == 409 and "Not checked in: on the waitlist" in refused.text
        assert "Alan Turing" in refused.text
        await setup.org.member.client.post(
            f"/api/events/{setup.event.id}/attendees/{seated['id']}/transition", json={"to": "cancelled"}
        )
        cancelled = await post_form(web, door(setup), code=seated["checkin_code"])
        assert cancelled.status_code == 409 and "doorresult--error" in cancelled.text
        assert "Not checked in: registration cancelled" in cancelled.text and 'role="alert"' in cancelled.text
        assert "Grace Hopper" in cancelled.text and "Cancelled on" in cancelled.text
        unknown = await post_form(web, door(setup), code="no-such-code-here")
        assert unknown.status_code == 404 and "No ticket with this code" in unknown.text
        empty = await post_form(web, door(setup), code="  ")
        assert empty.status_code == 422 and "No code entered" in empty.text

    async def test_htmx_gets_the_result_with_fresh_counts(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        web = await orgs.login_cookie_client(setup.org.member.email)
        response = await web.post(door(setup), data={"code": attendee["checkin_code"]}, headers=HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div class="doorresult doorresult--success"')
        assert '<p class="doorstats" id="door-stats" hx-swap-oob="true">' in response.text
        assert "<strong>1</strong> checked in" in response.text
        other = await setup.registered(name="Alan Turing", email="alan@example.com")
        found = await web.post(door(setup), data={"code": other["checkin_code"], "q": "alan"}, headers=HTMX)
        assert '<div id="door-matches" hx-swap-oob="true">' in found.text  # the search list follows
        assert "status--checked_in" in found.text and f'value="{other["checkin_code"]}"' not in found.text
        unknown = await web.post(door(setup), data={"code": "nope-nope-nope"}, headers=HTMX)
        assert unknown.status_code == 200 and "No ticket with this code" in unknown.text

    async def test_search_by_name_then_check_in(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper", email="grace@example.com")
        await setup.registered(name="Alan Turing", email="alan@example.com")
        web = await form_client(orgs, setup.org.member.email)
        found = await web.get(door(setup), params={"q": "GRACE"})
        assert "Grace Hopper" in found.text and "Alan Turing" not in found.text
        assert f'name="code" value="{attendee["checkin_code"]}"' in found.text
        done = await post_form(web, door(setup), code=attendee["checkin_code"], q="grace")
        assert "doorresult--success" in done.text and "Grace Hopper" in done.text
        none = await web.get(door(setup), params={"q": "nobody"})
        assert "No attendee matches" in none.text

    async def test_viewer_and_other_organization(self, setup: Setup, orgs: OrgFactory) -> None:
        attendee = await setup.registered(name="Grace Hopper")
        viewer = await form_client(orgs, setup.org.viewer.email)
        assert (await viewer.get(door(setup))).status_code == 403
        assert (await post_form(viewer, door(setup), code=attendee["checkin_code"])).status_code == 403
        other = await orgs.create()
        stranger = await form_client(orgs, other.owner.email)
        assert (await stranger.get(door(setup))).status_code == 404
        assert (await post_form(stranger, door(setup), code=attendee["checkin_code"])).status_code == 404
        listed = await setup.org.owner.client.get(f"/api/events/{setup.event.id}/attendees/{attendee['id']}")
        assert listed.json()["status"] == "registered"
