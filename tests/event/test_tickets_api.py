"""Ticket types over the JSON API: prices and the paid_events plan feature, quantities, sales windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.event.helpers import add_ticket, at, insert_attendees, make_event, published_event
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestAddTicketType:
    async def test_member_adds_free_ticket_viewer_reads(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        event = await make_event(org.owner)
        ticket = await add_ticket(org.member, event["id"], name="  General  ", quantity=100, currency="eur")
        assert (ticket["name"], ticket["currency"], ticket["price_display"]) == ("General", "EUR", "Free")
        r = await org.viewer.client.get(f"/api/events/{event['id']}/ticket-types")
        assert [t["id"] for t in r.json()["items"]] == [ticket["id"]]
        assert r.json()["items"][0]["seats_in_use"] == 0
        assert "event.ticket_type.added" in await audit_actions(org.owner.client, subject_id=event["id"])

    async def test_viewer_403_other_org_404(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        url = f"/api/events/{event['id']}/ticket-types"
        assert_problem(await org.viewer.client.post(url, json={"name": "X"}), 403)
        assert_problem(await other.owner.client.post(url, json={"name": "X"}), 404)
        assert_problem(await other.owner.client.get(url), 404)

    @pytest.mark.parametrize("tier", ["free", "starter"])
    async def test_paid_ticket_needs_professional(self, orgs: OrgFactory, tier: str) -> None:
        org = await orgs.create(tier=tier, roles=("owner",))
        event = await make_event(org.owner)
        r = await org.owner.client.post(
            f"/api/events/{event['id']}/ticket-types", json={"name": "VIP", "price_minor": 15000}
        )
        body = assert_problem(r, 402, "entitlement_required")
        assert body["required_tier"] == "professional" and body["upgrade_url"].endswith("/plans")
        assert (await org.owner.client.get(f"/api/events/{event['id']}/ticket-types")).json()["items"] == []

    async def test_paid_ticket_on_professional(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="professional", roles=("owner",))
        event = await make_event(org.owner)
        ticket = await add_ticket(org.owner, event["id"], name="VIP", price_minor=15000, currency="GBP")
        assert ticket["price_display"] == "£150.00"

    async def test_raising_a_free_ticket_to_paid_needs_the_feature(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        event = await make_event(org.owner)
        ticket = await add_ticket(org.owner, event["id"])
        url = f"/api/events/{event['id']}/ticket-types/{ticket['id']}"
        assert_problem(await org.owner.client.patch(url, json={"price_minor": 100}), 402, "entitlement_required")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": " "}, "name"),
            ({"price_minor": -1}, "price_minor"),
            ({"price_minor": 1.5}, "price_minor"),
            ({"currency": "XYZ"}, "currency"),
            ({"quantity": 0}, "quantity"),
            ({"sales_start_at": at(-48), "sales_end_at": at(-50)}, "sales_end_at"),
            ({"sales_end_at": at(20)}, "sales_end_at"),
            ({"sales_start_at": at(9)}, "sales_start_at"),
            ({"visible": "sometimes"}, "visible"),
        ],
    )
    async def test_bad_ticket_is_422(self, orgs: OrgFactory, payload: dict[str, Any], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        url = f"/api/events/{event['id']}/ticket-types"
        assert_validation(await org.owner.client.post(url, json={"name": "T", **payload}), field)


class TestEditTicketType:
    async def test_quantity_below_seats_in_use_is_409(self, orgs: OrgFactory, app: Any) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        ticket = await add_ticket(org.owner, event["id"], quantity=10)
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["registered", "registered", "checked_in"])
        expired = datetime.now(UTC) - timedelta(minutes=1)
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["waitlisted"], offer_expires_at=expired)
        url = f"/api/events/{event['id']}/ticket-types/{ticket['id']}"
        body = assert_problem(await org.owner.client.patch(url, json={"quantity": 2}), 409, "capacity_below_usage")
        assert body["seats_in_use"] == 3 and body["errors"][0]["field"] == "quantity"
        r = await org.owner.client.patch(url, json={"quantity": 3, "visible": False, "name": "Early"})
        assert r.status_code == 200 and r.json()["seats_in_use"] == 3 and r.json()["visible"] is False
        assert_problem(await org.viewer.client.patch(url, json={"name": "Z"}), 403)
        assert_problem(await other.owner.client.patch(url, json={"name": "Z"}), 404)


class TestDeleteTicketType:
    async def test_only_without_attendees(self, orgs: OrgFactory, app: Any) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        used = await add_ticket(org.owner, event["id"], name="Used")
        spare = await add_ticket(org.owner, event["id"], name="Spare")
        await insert_attendees(app, org.id, event["id"], used["id"], ["cancelled"])
        base = f"/api/events/{event['id']}/ticket-types"
        assert_problem(await org.owner.client.delete(f"{base}/{used['id']}"), 409, "ticket_type_has_attendees")
        assert_problem(await org.viewer.client.delete(f"{base}/{spare['id']}"), 403)
        assert_problem(await other.owner.client.delete(f"{base}/{spare['id']}"), 404)
        assert (await org.owner.client.delete(f"{base}/{spare['id']}")).status_code == 204

    async def test_published_event_keeps_one(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event, ticket = await published_event(org.owner)
        url = f"/api/events/{event['id']}/ticket-types/{ticket['id']}"
        assert_problem(await org.owner.client.delete(url), 409, "last_ticket_type")
