"""The event pages as a browser without JavaScript uses them, and the htmx live validation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.event.helpers import END, START, add_session, add_ticket, at, make_event, published_event
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, field_error, submit

pytestmark = pytest.mark.anyio
HTMX = {"HX-Request": "true"}


def local(moment: Any) -> str:
    """A UTC time as the wizard's datetime-local value in Europe/London."""
    from zoneinfo import ZoneInfo

    return str(moment.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M"))


def basics(**fields: str) -> dict[str, str]:
    return {
        "title": "Spring Summit",
        "slug": "",
        "description": "Deals and **coffee**.",
        "format": "in_person",
        "venue_name": "The Guildhall",
        "venue_address": "",
        "online_url": "",
        "timezone": "Europe/London",
        "starts_at": local(START),
        "ends_at": local(END),
        "registration_opens_at": "",
        "registration_closes_at": "",
        **fields,
    }


class TestEventList:
    async def test_empty_state_and_tabs(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        web = await browser(orgs, org.owner.email)
        html = (await web.get("/events")).text
        assert "No events yet" in html and 'href="/events/new"' in html
        assert 'href="/events"' in html and "Events</a>" in html  # main nav
        viewer = await browser(orgs, org.viewer.email)
        html = (await viewer.get("/events")).text
        assert "No events yet" in html and 'href="/events/new"' not in html

    async def test_lists_and_filters_by_status(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        await make_event(org.owner, title="Draft Dinner")
        await published_event(org.owner, title="Open Summit")
        await make_event(other.owner, title="Their Gala")
        web = await browser(orgs, org.owner.email)
        html = (await web.get("/events")).text
        assert "Draft Dinner" in html and "Open Summit" in html and "Their Gala" not in html
        html = (await web.get("/events?status=published")).text
        assert "Open Summit" in html and "Draft Dinner" not in html
        assert "No cancelled events" in (await web.get("/events?status=cancelled")).text


class TestEventPage:
    async def test_organizer_page_with_schedule_by_day_and_links(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        event, _ = await published_event(org.owner, description="Hello <b>there</b>")
        await add_session(org.owner, event["id"], title="Keynote", speakers=[{"name": "Ada", "title": "Partner"}])
        web = await browser(orgs, org.owner.email)
        html = (await web.get(f"/events/{event['id']}")).text
        assert "Keynote" in html and "Ada" in html and "Standard" in html
        assert f'href="/e/{org.slug}/{event["slug"]}"' in html
        assert f'href="/events/{event["id"]}/attendees"' in html
        assert f'href="/events/{event["id"]}/edit"' in html
        assert "<b>there</b>" not in html  # raw HTML is shown as text, never run
        viewer = await browser(orgs, org.viewer.email)
        html = (await viewer.get(f"/events/{event['id']}")).text
        assert "Keynote" in html and "/edit" not in html and "/cancel" not in html

    async def test_other_org_404(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        web = await browser(orgs, other.owner.email)
        for path in ("", "/edit", "/edit/basics", "/edit/schedule", "/edit/tickets", "/edit/review"):
            assert (await web.get(f"/events/{event['id']}{path}")).status_code == 404, path
        assert (await submit(web, f"/events/{event['id']}/cancel")).status_code == 404
        assert (await web.get("/events/not-a-uuid")).status_code == 404

    async def test_viewer_cannot_edit_or_cancel(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        event = await make_event(org.owner)
        viewer = await browser(orgs, org.viewer.email)
        assert (await viewer.get("/events/new")).status_code == 403
        assert (await viewer.get(f"/events/{event['id']}/edit/basics")).status_code == 403
        assert (await submit(viewer, f"/events/{event['id']}/cancel")).status_code == 403
        assert (await submit(viewer, f"/events/{event['id']}/edit/basics", **basics())).status_code == 403

    async def test_every_wizard_post_is_404_for_another_org_and_403_for_a_viewer(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        slot = await add_session(org.owner, event["id"])
        ticket = await add_ticket(org.owner, event["id"])
        base = f"/events/{event['id']}"
        posts = [
            "/edit/basics",
            "/edit/schedule",
            "/edit/schedule/sessions",
            f"/edit/schedule/sessions/{slot['id']}/delete",
            f"/edit/schedule/sessions/{slot['id']}/move",
            "/edit/tickets",
            "/edit/tickets/types",
            f"/edit/tickets/types/{ticket['id']}/delete",
            "/publish",
            "/cancel",
            "/delete",
        ]
        stranger, viewer = await browser(orgs, other.owner.email), await browser(orgs, org.viewer.email)
        for path in posts:
            assert (await submit(stranger, base + path, direction="up")).status_code == 404, path
            assert (await submit(viewer, base + path, direction="up")).status_code == 403, path
        after = (await org.owner.client.get(f"/api/events/{event['id']}/sessions")).json()["items"]
        assert [s["id"] for s in after] == [slot["id"]]
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json()["status"] == "draft"

    async def test_cancel_and_delete(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        draft = await make_event(org.owner, title="Scrap me")
        web = await browser(orgs, org.owner.email)
        r = await submit(web, f"/events/{event['id']}/delete")
        assert r.status_code == 303  # refused with a message, not deleted
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).status_code == 200
        assert (await submit(web, f"/events/{event['id']}/cancel")).status_code == 303
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json()["status"] == "cancelled"
        assert (await submit(web, f"/events/{draft['id']}/delete")).headers["location"] == "/events"
        assert (await org.owner.client.get(f"/api/events/{draft['id']}")).status_code == 404


class TestWizard:
    async def test_build_and_publish_without_javascript(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        web = await browser(orgs, org.owner.email)
        assert (await web.get("/events/new")).status_code == 200
        r = await submit(web, "/events/new", **basics())
        assert r.status_code == 303, r.text
        event_id = r.headers["location"].split("/")[2]
        assert r.headers["location"] == f"/events/{event_id}/edit/schedule"
        session = {
            "title": "Keynote",
            "starts_at": local(START),
            "ends_at": at_local(1),
            "room": "Hall",
            "capacity": "",
            "speakers": "Ada Lovelace | Partner | Numbers",
            "description": "",
        }
        assert (await submit(web, f"/events/{event_id}/edit/schedule/sessions", **session)).status_code == 303
        later = {**session, "title": "Panel", "starts_at": at_local(1), "ends_at": at_local(2)}
        assert (await submit(web, f"/events/{event_id}/edit/schedule/sessions", **later)).status_code == 303
        sessions = (await org.owner.client.get(f"/api/events/{event_id}/sessions")).json()["items"]
        assert [s["title"] for s in sessions] == ["Keynote", "Panel"]
        assert sessions[0]["speakers"] == [{"name": "Ada Lovelace", "title": "Partner", "bio": "Numbers"}]
        r = await submit(web, f"/events/{event_id}/edit/schedule/sessions/{sessions[1]['id']}/move", direction="up")
        assert r.status_code == 303
        sessions = (await org.owner.client.get(f"/api/events/{event_id}/sessions")).json()["items"]
        assert [s["title"] for s in sessions] == ["Panel", "Keynote"]
        assert (await submit(web, f"/events/{event_id}/edit/schedule")).headers["location"].endswith("/edit/tickets")
        review = (await web.get(f"/events/{event_id}/edit/review")).text
        assert "Add at least one ticket type" in review and "Publish event" not in review
        ticket = {
            "name": "General",
            "price": "",
            "currency": "GBP",
            "quantity": "100",
            "sales_start_at": "",
            "sales_end_at": "",
            "description": "",
            "visible": "1",
        }
        assert (await submit(web, f"/events/{event_id}/edit/tickets/types", **ticket)).status_code == 303
        settings = {"capacity": "80", "waitlist_enabled": "1", "claim_window_hours": "12"}
        r = await submit(web, f"/events/{event_id}/edit/tickets", **settings)
        assert r.headers["location"] == f"/events/{event_id}/edit/review"
        assert "Publish event" in (await web.get(f"/events/{event_id}/edit/review")).text
        r = await submit(web, f"/events/{event_id}/publish")
        assert r.headers["location"] == f"/events/{event_id}"
        body = (await org.owner.client.get(f"/api/events/{event_id}")).json()
        assert (body["status"], body["capacity"], body["claim_window_hours"]) == ("published", 80, 12)
        assert body["starts_at"].startswith(START.strftime("%Y-%m-%dT%H:%M"))

    async def test_field_errors_show_next_to_the_field_and_nothing_is_saved(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        await make_event(org.owner, title="Taken", slug="taken")
        web = await browser(orgs, org.owner.email)
        r = await submit(
            web, "/events/new", **basics(title=" ", ends_at=local(START), slug="taken", timezone="Mars/Base")
        )
        assert r.status_code == 422
        assert field_error(r.text, "title") == "Give the event a title"
        assert field_error(r.text, "ends_at") == "The event must end after it starts"
        assert "time zone" in field_error(r.text, "timezone")
        assert (await org.owner.client.get("/api/events")).json()["items"][0]["title"] == "Taken"
        r = await submit(web, "/events/new", **basics(slug="taken"))
        assert r.status_code == 409 and "already uses" in field_error(r.text, "slug")
        r = await submit(web, "/events/new", **basics(starts_at="next tuesday"))
        assert r.status_code == 422 and "date and time" in field_error(r.text, "starts_at")

    async def test_session_errors_name_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        await add_session(org.owner, event["id"], title="Keynote")
        web = await browser(orgs, org.owner.email)
        base = {
            "title": "Clash",
            "starts_at": at_local(0.5),
            "ends_at": at_local(1.5),
            "room": "Main hall",
            "capacity": "",
            "speakers": "",
            "description": "",
        }
        r = await submit(web, f"/events/{event['id']}/edit/schedule/sessions", **base)
        assert r.status_code == 409 and "Keynote" in field_error(r.text, "room")
        r = await submit(
            web, f"/events/{event['id']}/edit/schedule/sessions", **{**base, "room": "", "ends_at": at_local(20)}
        )
        assert r.status_code == 422 and "end by the end" in field_error(r.text, "ends_at")
        r = await submit(
            web, f"/events/{event['id']}/edit/schedule/sessions", **{**base, "room": "", "speakers": " | CEO"}
        )
        assert r.status_code == 422 and "Line 1" in field_error(r.text, "speakers")

    async def test_paid_ticket_on_free_plan_shows_the_upgrade_prompt(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        web = await browser(orgs, org.owner.email)
        ticket = {
            "name": "VIP",
            "price": "150",
            "currency": "GBP",
            "quantity": "",
            "sales_start_at": "",
            "sales_end_at": "",
            "description": "",
            "visible": "1",
        }
        r = await submit(web, f"/events/{event['id']}/edit/tickets/types", **ticket)
        assert r.status_code == 402 and "Upgrade to unlock this" in r.text and "See the Professional plan" in r.text

    async def test_leaving_and_coming_back_resumes_the_saved_step(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        web = await browser(orgs, org.owner.email)
        r = await submit(web, "/events/new", **basics())
        event_id = r.headers["location"].split("/")[2]
        r = await web.get(f"/events/{event_id}/edit")
        assert r.status_code == 303 and r.headers["location"] == f"/events/{event_id}/edit/schedule"
        await submit(web, f"/events/{event_id}/edit/schedule")
        r = await web.get(f"/events/{event_id}/edit")
        assert r.headers["location"] == f"/events/{event_id}/edit/tickets"
        html = (await web.get(f"/events/{event_id}/edit/basics")).text
        assert 'value="Spring Summit"' in html and f'value="{local(START)}"' in html

    async def test_editing_a_published_event_reuses_the_steps(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        web = await browser(orgs, org.owner.email)
        r = await web.get(f"/events/{event['id']}/edit")
        assert r.headers["location"] == f"/events/{event['id']}/edit/review"
        r = await submit(web, f"/events/{event['id']}/edit/basics", **basics(title="Renamed", venue_name=""))
        assert r.status_code == 422 and "venue" in field_error(r.text, "venue_name").lower()
        r = await submit(web, f"/events/{event['id']}/edit/basics", **basics(title="Renamed", slug=event["slug"]))
        assert r.status_code == 303
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json()["title"] == "Renamed"


class TestLiveValidation:
    async def test_end_before_start_then_fixed(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        web = await orgs.login_cookie_client(org.owner.email)
        headers = {**HTMX, "HX-Trigger-Name": "ends_at"}
        r = await web.post("/events/validate/basics", data=basics(ends_at=local(START)), headers=headers)
        assert r.status_code == 200
        assert re.search(r'<p class="error" id="ends_at-error">The event must end after it starts</p>', r.text)
        assert 'id="starts_at-error" hx-swap-oob="true"' in r.text
        r = await web.post("/events/validate/basics", data=basics(), headers=headers)
        assert '<p class="error" id="ends_at-error"></p>' in r.text

    async def test_slug_free_and_session_checks(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        await make_event(org.owner, title="Taken", slug="taken")
        event = await make_event(org.owner)
        await add_session(org.owner, event["id"], title="Keynote")
        web = await orgs.login_cookie_client(org.owner.email)
        r = await web.post(
            f"/events/{event['id']}/validate/basics",
            data=basics(slug="taken"),
            headers={**HTMX, "HX-Trigger-Name": "slug"},
        )
        assert "already uses /taken" in r.text
        r = await web.post(
            f"/events/{event['id']}/validate/basics",
            data=basics(slug=event["slug"]),
            headers={**HTMX, "HX-Trigger-Name": "slug"},
        )
        assert '<p class="error" id="slug-error"></p>' in r.text
        data = {"title": "X", "starts_at": at_local(0.5), "ends_at": at_local(1.5), "room": "main hall"}
        r = await web.post(
            f"/events/{event['id']}/validate/session", data=data, headers={**HTMX, "HX-Trigger-Name": "room"}
        )
        assert "Keynote" in r.text
        data = {**data, "starts_at": at_local(-3)}
        r = await web.post(
            f"/events/{event['id']}/validate/session", data=data, headers={**HTMX, "HX-Trigger-Name": "starts_at"}
        )
        assert "start during the event" in r.text

    async def test_ticket_and_settings_checks(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        data = {"name": "T", "sales_start_at": at_local(-48), "sales_end_at": at_local(-50)}
        r = await web.post(
            f"/events/{event['id']}/validate/ticket", data=data, headers={**HTMX, "HX-Trigger-Name": "sales_end_at"}
        )
        assert "Sales must end after they start" in r.text
        data = {"capacity": "0", "claim_window_hours": "200"}
        r = await web.post(
            f"/events/{event['id']}/validate/settings",
            data=data,
            headers={**HTMX, "HX-Trigger-Name": "claim_window_hours"},
        )
        assert "from 0 to 168" in r.text
        r = await web.post(f"/events/{event['id']}/validate/nothing", data=data, headers=HTMX)
        assert r.status_code == 404

    async def test_other_org_404_viewer_403(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        web = await orgs.login_cookie_client(other.owner.email)
        assert (await web.post(f"/events/{event['id']}/validate/basics", data=basics())).status_code == 404
        viewer = await orgs.login_cookie_client(org.viewer.email)
        assert (await viewer.post(f"/events/{event['id']}/validate/basics", data=basics())).status_code == 403
        assert (await viewer.post("/events/validate/basics", data=basics())).status_code == 403


class TestPublicPage:
    async def test_no_login_schedule_and_availability_without_join_link(self, orgs: OrgFactory, client: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner, format="hybrid", online_url="https://meet.example/secret")
        await add_session(org.owner, event["id"], title="Keynote", starts_at=at(0), ends_at=at(1))
        await add_ticket(org.owner, event["id"], name="VIP", price_minor=0, quantity=5)
        r = await client.get(f"/e/{org.slug}/{event['slug']}")
        assert r.status_code == 200
        assert "Keynote" in r.text and "50 left" in r.text and "5 left" in r.text
        assert "meet.example" not in r.text
        assert START.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London")).strftime("%A %d %B %Y") in r.text

    async def test_drafts_and_unknown_are_404(self, orgs: OrgFactory, client: Any) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        draft = await make_event(org.owner)
        pub, _ = await published_event(org.owner, title="Open")
        assert (await client.get(f"/e/{org.slug}/{draft['slug']}")).status_code == 404
        assert (await client.get(f"/e/{other.slug}/{pub['slug']}")).status_code == 404
        assert (await client.get(f"/e/{org.slug}/nothing")).status_code == 404

    async def test_logged_in_member_of_another_org_sees_it(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        pub, _ = await published_event(org.owner, title="Open")
        web = await browser(orgs, other.owner.email)
        r = await web.get(f"/e/{org.slug}/{pub['slug']}")
        assert r.status_code == 200 and "Open" in r.text


def at_local(hours: float) -> str:
    from datetime import timedelta

    return local(START + timedelta(hours=hours))
