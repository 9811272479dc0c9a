"""Events over the JSON API: create, list, read, edit, publish, cancel, delete; roles and tenancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.event.helpers import START, add_ticket, at, insert_attendees, make_event, published_event
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestCreateEvent:
    @pytest.mark.parametrize("role", ["owner", "admin", "member"])
    async def test_writers_create_a_draft_with_a_slug_from_the_title(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create()
        r = await org[role].client.post(
            "/api/events", json={"title": "  M&A   Breakfast: Spring ", "description": "**Hello** <script>x</script>"}
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "draft"
        assert body["title"] == "M&A Breakfast: Spring"
        assert body["slug"] == "m-a-breakfast-spring"
        assert body["public_path"] == f"/e/{org.slug}/m-a-breakfast-spring"
        assert "<strong>Hello</strong>" in body["description_html"] and "<script>" not in body["description_html"]
        assert body["claim_window_hours"] == 24 and body["waitlist_enabled"] is True
        assert "event.created" in await audit_actions(org.owner.client, subject_id=body["id"])

    async def test_viewer_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        assert_problem(await org.viewer.client.post("/api/events", json={"title": "X"}), 403)
        assert (await org.owner.client.get("/api/events")).json()["items"] == []

    async def test_derived_slug_gets_a_suffix_and_a_given_one_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        first = await make_event(org.owner, title="Summit")
        second = await make_event(org.owner, title="Summit")
        assert (first["slug"], second["slug"]) == ("summit", "summit-2")
        body = assert_problem(
            await org.owner.client.post("/api/events", json={"title": "Other", "slug": "summit"}), 409, "slug_taken"
        )
        assert body["errors"][0]["field"] == "slug"

    async def test_same_slug_in_another_org_is_fine(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        await make_event(org.owner, title="Summit")
        assert (await make_event(other.owner, title="Summit"))["slug"] == "summit"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"title": " "}, "title"),
            ({"title": ""}, "title"),
            ({"title": "X", "timezone": "Mars/Olympus"}, "timezone"),
            ({"title": "X", "timezone": "localtime"}, "timezone"),
            ({"title": "X", "starts_at": at(2), "ends_at": at(1)}, "ends_at"),
            ({"title": "X", "starts_at": at(0), "ends_at": at(0)}, "ends_at"),
            ({"title": "X", "starts_at": "2030-01-01T09:00:00"}, "starts_at"),
            ({"title": "X", "ends_at": at(1), "registration_closes_at": at(2)}, "registration_closes_at"),
            (
                {"title": "X", "registration_opens_at": at(-2), "registration_closes_at": at(-3)},
                "registration_closes_at",
            ),
            ({"title": "X", "capacity": 0}, "capacity"),
            ({"title": "X", "claim_window_hours": 169}, "claim_window_hours"),
            ({"title": "X", "claim_window_hours": -1}, "claim_window_hours"),
            ({"title": "X", "format": "hologram"}, "format"),
            ({"title": "X", "slug": "Not A Slug"}, "slug"),
            ({"title": "X", "online_url": "javascript:alert(1)"}, "online_url"),
            ({"title": "X", "colour": "red"}, "colour"),
        ],
    )
    async def test_bad_input_is_422_naming_the_field(
        self, orgs: OrgFactory, payload: dict[str, Any], field: str
    ) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.post("/api/events", json=payload), field)
        assert (await org.owner.client.get("/api/events")).json()["items"] == []

    async def test_live_event_after_commit(self, orgs: OrgFactory, capture_live_events: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        await capture_live_events.watch(f"event:{event['id']}")
        await org.owner.client.patch(f"/api/events/{event['id']}", json={"title": "Renamed"})
        events = await capture_live_events.events()
        assert [e.type for e in events] == ["event.changed"]
        assert '"action":"updated"' in events[0].data.replace(" ", "")


class TestListEvents:
    async def test_filters_and_other_org_isolation(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        draft = await make_event(org.owner, title="Draft Dinner", starts_at=None, ends_at=None)
        pub, _ = await published_event(org.owner, title="Spring Summit")
        cancelled = await make_event(org.owner, title="Golf Day", starts_at=at(24), ends_at=at(26))
        await org.owner.client.post(f"/api/events/{cancelled['id']}/cancel")
        await make_event(other.owner, title="Theirs")

        async def listed(**params: str) -> list[str]:
            r = await org.viewer.client.get("/api/events", params=params)
            assert r.status_code == 200, r.text
            return [e["id"] for e in r.json()["items"]]

        assert await listed() == [pub["id"], cancelled["id"], draft["id"]]
        assert await listed(status="draft") == [draft["id"]]
        assert await listed(status="published") == [pub["id"]]
        assert await listed(status="cancelled") == [cancelled["id"]]
        assert await listed(q="SUMMIT") == [pub["id"]]
        assert await listed(q="%") == []
        assert await listed(**{"from": START.isoformat()}) == [pub["id"], cancelled["id"]]
        assert await listed(**{"to": START.isoformat()}) == []

    async def test_cursor_pages_each_event_once(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        made = []
        for i in range(7):
            starts = None if i % 3 == 0 else (START + timedelta(days=i % 2)).isoformat()
            ends = None if starts is None else (START + timedelta(days=i % 2, hours=2)).isoformat()
            made.append((await make_event(org.owner, title=f"E{i}", starts_at=starts, ends_at=ends))["id"])
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            body = (await org.owner.client.get("/api/events", params=params)).json()
            seen += [e["id"] for e in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"status": "bogus"}, "status"),
            ({"limit": "0"}, "limit"),
            ({"cursor": "!!"}, "cursor"),
            ({"from": "x"}, "from"),
        ],
    )
    async def test_bad_query_is_422(self, orgs: OrgFactory, params: dict[str, str], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.get("/api/events", params=params), field)


class TestGetEvent:
    async def test_viewer_reads_other_org_gets_404(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        r = await org.viewer.client.get(f"/api/events/{event['id']}")
        assert r.status_code == 200 and r.json()["id"] == event["id"]
        assert_problem(await other.owner.client.get(f"/api/events/{event['id']}"), 404, "not_found")
        assert_problem(await org.owner.client.get(f"/api/events/{uuid.uuid4()}"), 404, "not_found")
        assert_validation(await org.owner.client.get("/api/events/42"), "event_id")

    async def test_published_event_that_ended_reads_as_completed(self, orgs: OrgFactory, app: Any) -> None:
        from sqlalchemy import update

        from mandate.event.models import Event
        from tests.helpers.api import run_in_org

        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        past = datetime.now(UTC) - timedelta(days=1)
        stmt = (
            update(Event)
            .where(Event.id == uuid.UUID(event["id"]))
            .values(starts_at=past - timedelta(hours=2), ends_at=past)
        )
        await run_in_org(app, org.id, stmt)
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json()["status"] == "completed"
        r = await org.owner.client.get("/api/events", params={"status": "completed"})
        assert [e["id"] for e in r.json()["items"]] == [event["id"]]
        assert (await org.owner.client.get("/api/events", params={"status": "published"})).json()["items"] == []
        assert_problem(await org.owner.client.post(f"/api/events/{event['id']}/cancel"), 409, "invalid_status")


class TestUpdateEvent:
    async def test_member_edits_and_audit_records_changes(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        event = await make_event(org.owner)
        r = await org.member.client.patch(
            f"/api/events/{event['id']}",
            json={
                "title": "Summit 2027",
                "slug": "summit-2027",
                "capacity": 80,
                "format": "hybrid",
                "wizard_step": "tickets",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["title"], body["slug"], body["capacity"], body["format"]) == (
            "Summit 2027",
            "summit-2027",
            80,
            "hybrid",
        )
        assert body["wizard_step"] == "tickets"
        assert "event.updated" in await audit_actions(org.owner.client, subject_id=event["id"])

    async def test_viewer_403_other_org_404(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        assert_problem(await org.viewer.client.patch(f"/api/events/{event['id']}", json={"title": "Z"}), 403)
        assert_problem(await other.owner.client.patch(f"/api/events/{event['id']}", json={"title": "Z"}), 404)
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json()["title"] == event["title"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"ends_at": at(-1)}, "ends_at"),
            ({"title": None}, "title"),
            ({"timezone": "Nowhere/City"}, "timezone"),
            ({"registration_closes_at": at(9)}, "registration_closes_at"),
            ({"wizard_step": "payment"}, "wizard_step"),
            ({"claim_window_hours": 500}, "claim_window_hours"),
        ],
    )
    async def test_bad_edit_is_422_and_nothing_changes(
        self, orgs: OrgFactory, payload: dict[str, Any], field: str
    ) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        assert_validation(await org.owner.client.patch(f"/api/events/{event['id']}", json=payload), field)
        assert (await org.owner.client.get(f"/api/events/{event['id']}")).json() == event

    async def test_slug_taken_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        await make_event(org.owner, title="Taken")
        event = await make_event(org.owner, title="Mine")
        body = assert_problem(
            await org.owner.client.patch(f"/api/events/{event['id']}", json={"slug": "taken"}), 409, "slug_taken"
        )
        assert body["errors"][0]["field"] == "slug"

    async def test_lowering_capacity_below_seats_in_use_is_409(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner, capacity=10)
        ticket = await add_ticket(org.owner, event["id"])
        soon = datetime.now(UTC) + timedelta(hours=3)
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["registered", "checked_in", "cancelled"])
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["waitlisted"], offer_expires_at=soon)
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["waitlisted"])  # no offer: no seat
        url = f"/api/events/{event['id']}"
        body = assert_problem(await org.owner.client.patch(url, json={"capacity": 2}), 409, "capacity_below_usage")
        assert body["seats_in_use"] == 3 and body["errors"][0]["field"] == "capacity"
        assert (await org.owner.client.patch(url, json={"capacity": 3})).status_code == 200
        assert (await org.owner.client.patch(url, json={"capacity": None})).json()["capacity"] is None

    async def test_moving_times_away_from_sessions_is_422(self, orgs: OrgFactory) -> None:
        from tests.event.helpers import add_session

        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        await add_session(org.owner, event["id"], starts_at=at(6), ends_at=at(7))
        r = await org.owner.client.patch(f"/api/events/{event['id']}", json={"ends_at": at(5)})
        assert_validation(r, "starts_at")

    async def test_published_event_keeps_what_publishing_needs(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        assert_validation(
            await org.owner.client.patch(f"/api/events/{event['id']}", json={"starts_at": None}), "starts_at"
        )
        r = await org.owner.client.patch(f"/api/events/{event['id']}", json={"venue_name": ""})
        assert_validation(r, "venue_name")


class TestPublish:
    async def test_lists_everything_missing(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.post("/api/events", json={"title": "Bare", "format": "hybrid"})
        body = assert_problem(
            await org.owner.client.post(f"/api/events/{r.json()['id']}/publish"), 422, "validation_error"
        )
        fields = {e["field"] for e in body["errors"]}
        assert fields == {"starts_at", "ends_at", "venue_name", "online_url", "ticket_types"}

    async def test_virtual_needs_the_link_not_a_venue(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner, format="virtual", venue_name="")
        await add_ticket(org.owner, event["id"])
        body = assert_problem(await org.owner.client.post(f"/api/events/{event['id']}/publish"), 422)
        assert [e["field"] for e in body["errors"]] == ["online_url"]
        await org.owner.client.patch(f"/api/events/{event['id']}", json={"online_url": "https://meet.example/x"})
        assert (await org.owner.client.post(f"/api/events/{event['id']}/publish")).json()["status"] == "published"

    async def test_past_event_cannot_be_published(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        past = datetime.now(UTC) - timedelta(days=2)
        event = await make_event(org.owner, starts_at=past.isoformat(), ends_at=(past + timedelta(hours=1)).isoformat())
        await add_ticket(org.owner, event["id"])
        body = assert_problem(await org.owner.client.post(f"/api/events/{event['id']}/publish"), 422)
        assert [e["field"] for e in body["errors"]] == ["ends_at"]

    async def test_publish_roles_tenancy_and_twice(self, orgs: OrgFactory, capture_live_events: Any) -> None:
        org, other = await orgs.create(roles=("owner", "member", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        await add_ticket(org.owner, event["id"])
        url = f"/api/events/{event['id']}/publish"
        assert_problem(await org.viewer.client.post(url), 403)
        assert_problem(await other.owner.client.post(url), 404)
        await capture_live_events.watch(f"event:{event['id']}")
        r = await org.member.client.post(url)
        assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
        assert [e.type for e in await capture_live_events.events()] == ["event.changed"]
        assert_problem(await org.member.client.post(url), 409, "invalid_status")
        assert "event.published" in await audit_actions(org.owner.client, subject_id=event["id"])


class TestCancel:
    async def test_cancel_then_read_only(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "member", "viewer")), await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        url = f"/api/events/{event['id']}/cancel"
        assert_problem(await org.viewer.client.post(url), 403)
        assert_problem(await other.owner.client.post(url), 404)
        r = await org.member.client.post(url)
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert_problem(await org.member.client.post(url), 409, "event_cancelled")
        r = await org.owner.client.patch(f"/api/events/{event['id']}", json={"title": "Back"})
        assert_problem(r, 409, "event_cancelled")
        assert "event.cancelled" in await audit_actions(org.owner.client, subject_id=event["id"])


class TestDelete:
    async def test_member_deletes_a_draft(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "member", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        url = f"/api/events/{event['id']}"
        assert_problem(await org.viewer.client.delete(url), 403)
        assert_problem(await other.owner.client.delete(url), 404)
        assert (await org.member.client.delete(url)).status_code == 204
        assert_problem(await org.owner.client.get(url), 404)
        assert "event.deleted" in await audit_actions(org.owner.client, subject_id=event["id"])

    async def test_published_or_with_attendees_is_409(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        assert_problem(await org.owner.client.delete(f"/api/events/{event['id']}"), 409, "event_not_draft")
        draft = await make_event(org.owner, title="Draft")
        t = await add_ticket(org.owner, draft["id"])
        await insert_attendees(app, org.id, draft["id"], t["id"], ["cancelled"])
        assert_problem(await org.owner.client.delete(f"/api/events/{draft['id']}"), 409, "event_has_attendees")


class TestQueryCounts:
    async def test_lists_do_not_grow_with_events_or_sessions(
        self, orgs: OrgFactory, client: Any, assert_query_count: Any
    ) -> None:
        from tests.event.helpers import add_session

        org = await orgs.create(roles=("owner", "viewer"))
        event = None
        for i in range(12):
            event, _ = await published_event(org.owner, title=f"Event {i}")
        assert event is not None
        for i in range(6):
            await add_session(org.owner, event["id"], title=f"S{i}", starts_at=at(i), ends_at=at(i + 1))
            await add_ticket(org.owner, event["id"], name=f"T{i}", quantity=10)
        await org.viewer.client.get("/api/me")  # settle the token's last-used stamp
        with assert_query_count.expect(6):
            r = await org.viewer.client.get("/api/events", params={"limit": 50})
        assert len(r.json()["items"]) == 12
        with assert_query_count.expect(6):
            r = await org.viewer.client.get(f"/api/events/{event['id']}/ticket-types")
        assert len(r.json()["items"]) == 7
        with assert_query_count.expect(6):
            r = await client.get(f"/api/public/events/{org.slug}/{event['slug']}")
        assert len(r.json()["sessions"]) == 6 and len(r.json()["ticket_types"]) == 7
