"""Attendees over the organizer API: registration, capacity, validation, edits, history, roles and tenancy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mandate.event.attendees.actors import ATTENDEE_ACTOR
from mandate.event.attendees.service import change_status
from mandate.event.models import AttendeeStatus
from mandate.event.states import TRANSITIONS, InvalidTransition
from tests.event.attendees.conftest import Setup, make_setup, make_ticket_type, org_session
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio
S = AttendeeStatus


class TestRegisterAttendee:
    async def test_registers_with_a_normalised_email_and_an_unguessable_code(self, setup: Setup) -> None:
        body = await setup.registered(email="  Ada.Lovelace@Example.COM ", company=" Analytical  Engines ")
        assert body["status"] == "registered"
        assert body["waitlist_position"] is None
        assert body["email"] == "ada.lovelace@example.com"
        assert body["company"] == "Analytical Engines"
        assert body["source"] == "organizer"
        assert len(body["checkin_code"]) >= 16

    async def test_a_full_event_puts_newcomers_on_the_waitlist_in_order(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, capacity=1)
        assert (await s.registered())["status"] == "registered"
        second, third = await s.registered(), await s.registered()
        assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
        assert (third["status"], third["waitlist_position"]) == ("waitlisted", 2)
        assert third["waitlist_seq"] > second["waitlist_seq"]

    async def test_a_full_ticket_type_waitlists_even_with_event_seats_left(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, quantity=1, capacity=10)
        await s.registered()
        assert (await s.registered())["status"] == "waitlisted"
        other = await make_ticket_type(app, s.org.id, s.event.id, quantity=None)
        assert (await s.registered(ticket_type_id=str(other.id)))["status"] == "registered"

    async def test_full_without_a_waitlist_is_409_capacity_full(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, capacity=1, waitlist_enabled=False)
        await s.registered()
        assert_problem(await s.register(), 409, "capacity_full")

    async def test_a_second_active_registration_of_an_email_is_409(self, setup: Setup) -> None:
        first = await setup.registered(email="dup@example.com")
        assert_problem(await setup.register(email="DUP@example.com "), 409, "already_registered")
        await setup.org.member.client.post(f"{setup.base}/attendees/{first['id']}/transition", json={"to": "cancelled"})
        assert (await setup.registered(email="dup@example.com"))["status"] == "registered"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"name": "   "}, "name"),
            ({"name": ""}, "name"),
            ({"ticket_type_id": str(uuid.uuid4())}, "ticket_type_id"),
            ({"ticket_type_id": "nope"}, "ticket_type_id"),
            ({"company": "x" * 201}, "company"),
        ],
    )
    async def test_bad_input_names_the_field_and_writes_nothing(
        self, setup: Setup, change: dict[str, Any], field: str
    ) -> None:
        assert_validation(await setup.register(**change), field)
        listed = await setup.org.member.client.get(f"{setup.base}/attendees")
        assert listed.json()["items"] == []

    async def test_paid_ticket_types_are_open_to_organizers(self, app: Any, setup: Setup) -> None:
        paid = await make_ticket_type(app, setup.org.id, setup.event.id, price_minor=50_00, visible=False)
        assert (await setup.registered(ticket_type_id=str(paid.id)))["status"] == "registered"

    async def test_history_and_audit_record_the_registration(self, setup: Setup) -> None:
        body = await setup.registered()
        history = (await setup.org.member.client.get(f"{setup.base}/attendees/{body['id']}/history")).json()
        assert [(h["kind"], h["from_status"], h["to_status"]) for h in history["items"]] == [
            ("status", None, "registered")
        ]
        assert history["items"][0]["actor_id"] == str(setup.org.member.user_id)
        assert "event.attendee.registered" in await audit_actions(setup.org.owner.client)


def _routes(s: Setup, attendee_id: str, code: str) -> list[tuple[str, str, dict[str, Any] | None, bool]]:
    """(method, path, body, writes) for every organizer route."""
    a = f"{s.base}/attendees/{attendee_id}"
    return [
        (
            "POST",
            f"{s.base}/attendees",
            {"name": "X", "email": "x@example.com", "ticket_type_id": str(s.ticket_type.id)},
            True,
        ),
        ("GET", f"{s.base}/attendees", None, False),
        ("GET", f"{s.base}/attendees/export", None, False),
        ("GET", f"{s.base}/stats", None, False),
        ("GET", a, None, False),
        ("PATCH", a, {"notes": "VIP"}, True),
        ("GET", f"{a}/history", None, False),
        ("POST", f"{a}/transition", {"to": "checked_in"}, True),
        ("POST", f"{s.base}/check-in", {"code": code}, True),
    ]


class TestEveryRoute:
    async def test_another_organizations_event_is_404(self, app: Any, orgs: OrgFactory, setup: Setup) -> None:
        body = await setup.registered()
        stranger = await orgs.create(roles=("owner",))
        for method, path, payload, _writes in _routes(setup, body["id"], body["checkin_code"]):
            response = await stranger.owner.client.request(method, path, json=payload)
            assert_problem(response, 404, "not_found")

    async def test_an_unknown_attendee_is_404(self, setup: Setup) -> None:
        body = await setup.registered()
        for method, path, payload, _writes in _routes(setup, str(uuid.uuid4()), body["checkin_code"])[4:8]:
            assert_problem(await setup.org.member.client.request(method, path, json=payload), 404)

    async def test_viewers_read_and_are_refused_every_write(self, setup: Setup) -> None:
        body = await setup.registered()
        for method, path, payload, writes in _routes(setup, body["id"], body["checkin_code"]):
            response = await setup.org.viewer.client.request(method, path, json=payload)
            if writes:
                assert_problem(response, 403, "permission_denied")
            else:
                assert response.status_code == 200, (path, response.text)

    async def test_members_write_every_route(self, setup: Setup) -> None:
        body = await setup.registered()
        for method, path, payload, _writes in _routes(setup, body["id"], body["checkin_code"]):
            response = await setup.org.member.client.request(method, path, json=payload)
            assert response.status_code in (200, 201), (path, response.text)


async def _in_status(s: Setup, app: Any, status: AttendeeStatus) -> dict[str, Any]:
    """An attendee brought to `status` through allowed moves (a waitlisted one needs a full event)."""
    if status is S.WAITLISTED:
        from tests.event.attendees.conftest import set_event

        await set_event(app, s.org.id, s.event.id, capacity=0)
        body = await s.registered()
        await set_event(app, s.org.id, s.event.id, capacity=None)
        return body
    body = await s.registered()
    path = f"{s.base}/attendees/{body['id']}/transition"
    if status is S.CHECKED_IN:
        assert (await s.org.member.client.post(path, json={"to": "checked_in"})).status_code == 200
    if status is S.CANCELLED:
        assert (await s.org.member.client.post(path, json={"to": "cancelled"})).status_code == 200
    return body


class TestTransitionTable:
    @pytest.mark.parametrize("source", list(S))
    @pytest.mark.parametrize("target", list(S))
    async def test_every_pair_is_allowed_or_409_listing_the_allowed(
        self, app: Any, orgs: OrgFactory, source: AttendeeStatus, target: AttendeeStatus
    ) -> None:
        s = await make_setup(app, orgs)
        body = await _in_status(s, app, source)
        response = await s.org.member.client.post(
            f"{s.base}/attendees/{body['id']}/transition", json={"to": target.value, "reason": "table"}
        )
        if target in TRANSITIONS[source]:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == target.value
            history = (await s.org.member.client.get(f"{s.base}/attendees/{body['id']}/history")).json()["items"]
            assert (history[-1]["from_status"], history[-1]["to_status"], history[-1]["reason"]) == (
                source.value,
                target.value,
                "table",
            )
        else:
            problem = assert_problem(response, 409, "invalid_transition")
            assert problem["allowed"] == sorted(t.value for t in TRANSITIONS[source])

    async def test_an_attendee_cannot_undo_their_own_check_in(self, app: Any, setup: Setup) -> None:
        body = await _in_status(setup, app, S.CHECKED_IN)
        async with org_session(app, setup.org.id) as session:
            from mandate.event.attendees import repository

            attendee = await repository.get_attendee(session, setup.event.id, uuid.UUID(body["id"]))
            assert attendee is not None
            with pytest.raises(InvalidTransition):
                await change_status(session, setup.event, attendee, S.REGISTERED, ATTENDEE_ACTOR)

    async def test_promotion_needs_a_free_seat(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, capacity=1)
        first = await s.registered()
        waiting = await s.registered()
        promote = f"{s.base}/attendees/{waiting['id']}/transition"
        assert_problem(await s.org.member.client.post(promote, json={"to": "registered"}), 409, "capacity_full")
        # Undoing a check-in keeps the seat taken: still no room.
        await s.org.member.client.post(f"{s.base}/attendees/{first['id']}/transition", json={"to": "checked_in"})
        assert_problem(await s.org.member.client.post(promote, json={"to": "registered"}), 409, "capacity_full")

    async def test_bad_target_names_the_field(self, setup: Setup) -> None:
        body = await setup.registered()
        path = f"{setup.base}/attendees/{body['id']}/transition"
        assert_validation(await setup.org.member.client.post(path, json={"to": "vip"}), "to")


class TestEditAttendee:
    async def test_edits_are_recorded_with_the_changed_fields(self, setup: Setup) -> None:
        body = await setup.registered(name="Ada")
        path = f"{setup.base}/attendees/{body['id']}"
        response = await setup.org.member.client.patch(path, json={"name": "Ada King", "notes": " VIP ", "company": ""})
        assert response.status_code == 200, response.text
        assert (response.json()["name"], response.json()["notes"]) == ("Ada King", "VIP")
        history = (await setup.org.member.client.get(f"{path}/history")).json()["items"]
        assert history[-1]["kind"] == "edit"
        assert history[-1]["changes"] == {"name": ["Ada", "Ada King"], "notes": ["", "VIP"]}

    async def test_a_blank_name_is_refused(self, setup: Setup) -> None:
        body = await setup.registered()
        response = await setup.org.member.client.patch(f"{setup.base}/attendees/{body['id']}", json={"name": " "})
        assert_validation(response, "name")

    async def test_moving_to_a_full_ticket_type_is_409(self, app: Any, setup: Setup) -> None:
        full = await make_ticket_type(app, setup.org.id, setup.event.id, quantity=1)
        await setup.registered(ticket_type_id=str(full.id))
        body = await setup.registered()
        path = f"{setup.base}/attendees/{body['id']}"
        assert_problem(
            await setup.org.member.client.patch(path, json={"ticket_type_id": str(full.id)}), 409, "capacity_full"
        )
        assert_validation(
            await setup.org.member.client.patch(path, json={"ticket_type_id": str(uuid.uuid4())}), "ticket_type_id"
        )

    async def test_moving_frees_a_seat_of_the_old_type(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, quantity=1)
        other = await make_ticket_type(app, s.org.id, s.event.id)
        seated = await s.registered()
        waiting = await s.registered()
        path = f"{s.base}/attendees/{seated['id']}"
        response = await s.org.member.client.patch(path, json={"ticket_type_id": str(other.id)})
        assert response.status_code == 200, response.text
        assert response.json()["ticket_type_id"] == str(other.id)
        offered = (await s.org.member.client.get(f"{s.base}/attendees/{waiting['id']}")).json()
        assert offered["offer_expires_at"] is not None


class TestStats:
    async def test_counts_per_status_and_ticket_type(self, app: Any, orgs: OrgFactory) -> None:
        s = await make_setup(app, orgs, capacity=3)
        vip = await make_ticket_type(app, s.org.id, s.event.id, quantity=1, name="VIP")
        a = await s.registered()
        await s.registered()
        await s.registered(ticket_type_id=str(vip.id))
        await s.registered()  # waitlisted: the event is full
        await s.org.member.client.post(f"{s.base}/attendees/{a['id']}/transition", json={"to": "checked_in"})
        stats = (await s.org.viewer.client.get(f"{s.base}/stats")).json()
        assert stats["counts"] == {"registered": 2, "waitlisted": 1, "checked_in": 1, "cancelled": 0}
        assert stats["capacity"] == {"used": 3, "total": 3, "available": 0, "held_by_offers": 0}
        by_name = {t["name"]: t for t in stats["ticket_types"]}
        assert by_name["VIP"]["capacity"] == {"used": 1, "total": 1, "available": 0, "held_by_offers": 0}
        assert by_name[s.ticket_type.name]["counts"]["waitlisted"] == 1


class TestLiveEvents:
    async def test_changes_go_out_on_the_event_channel_with_counters(
        self, setup: Setup, capture_live_events: Any
    ) -> None:
        channel = f"event:{setup.event.id}"
        await capture_live_events.watch(channel)
        body = await setup.registered()
        await setup.org.member.client.post(f"{setup.base}/attendees/{body['id']}/transition", json={"to": "checked_in"})
        events = await capture_live_events.events()
        kinds = [(e.type, e.payload()["action"], e.payload()["stats"]["counts"]["checked_in"]) for e in events]
        assert kinds == [("attendee.changed", "registered", 0), ("attendee.changed", "checked_in", 1)]

    async def test_a_refused_change_publishes_nothing(self, setup: Setup, capture_live_events: Any) -> None:
        body = await setup.registered()
        await capture_live_events.watch(f"event:{setup.event.id}")
        path = f"{setup.base}/attendees/{body['id']}/transition"
        assert (await setup.org.member.client.post(path, json={"to": "waitlisted"})).status_code == 409
        assert await capture_live_events.events() == []
