"""Check-in at the door by code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.event.attendees.conftest import Setup, make_setup, set_event
from tests.helpers.api import assert_problem, assert_validation
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestCheckIn:
    async def test_checks_in_then_a_second_scan_says_already(self, setup: Setup) -> None:
        body = await setup.registered()
        first = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        assert first.status_code == 200, first.text
        assert first.json()["already_checked_in"] is False
        assert first.json()["attendee"]["status"] == "checked_in"
        second = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        assert second.status_code == 200
        assert second.json()["already_checked_in"] is True
        assert second.json()["attendee"]["checked_in_at"] == first.json()["attendee"]["checked_in_at"]
        history = (await setup.org.member.client.get(f"{setup.base}/attendees/{body['id']}/history")).json()
        assert [h["to_status"] for h in history["items"]] == ["registered", "checked_in"]

    async def test_an_unknown_code_is_404(self, setup: Setup) -> None:
        response = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": "no-such-code"})
        assert_problem(response, 404, "not_found")

    async def test_a_code_of_another_event_is_404(self, app: Any, orgs: OrgFactory, setup: Setup) -> None:
        body = await setup.registered()
        other = await make_setup(app, orgs)
        response = await other.org.member.client.post(f"{other.base}/check-in", json={"code": body["checkin_code"]})
        assert_problem(response, 404)

    async def test_a_cancelled_attendee_is_refused_with_the_reason(self, setup: Setup) -> None:
        body = await setup.registered()
        await setup.org.member.client.post(f"{setup.base}/attendees/{body['id']}/transition", json={"to": "cancelled"})
        response = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        problem = assert_problem(response, 409, "attendee_cancelled")
        assert "cancelled" in problem["detail"]

    async def test_a_waitlisted_attendee_is_refused_with_the_reason(self, app: Any, setup: Setup) -> None:
        await set_event(app, setup.org.id, setup.event.id, capacity=0)
        body = await setup.registered()
        response = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        problem = assert_problem(response, 409, "attendee_waitlisted")
        assert "waitlist" in problem["detail"]

    async def test_a_missing_code_names_the_field(self, setup: Setup) -> None:
        assert_validation(await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": ""}), "code")

    async def test_undo_then_check_in_again(self, setup: Setup) -> None:
        body = await setup.registered()
        await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        undo = await setup.org.member.client.post(
            f"{setup.base}/attendees/{body['id']}/transition", json={"to": "registered", "reason": "wrong person"}
        )
        assert (undo.json()["status"], undo.json()["checked_in_at"]) == ("registered", None)
        again = await setup.org.member.client.post(f"{setup.base}/check-in", json={"code": body["checkin_code"]})
        assert again.json()["already_checked_in"] is False
