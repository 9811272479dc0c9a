"""The public event API: published events only, no login, availability text, no join link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.event.helpers import add_session, add_ticket, at, insert_attendees, make_event, published_event
from tests.helpers.api import assert_problem
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestPublicEvent:
    async def test_published_event_without_login(self, orgs: OrgFactory, client: Any, app: Any) -> None:
        org = await orgs.create(tier="professional", roles=("owner",))
        event = await make_event(
            org.owner, format="hybrid", online_url="https://meet.example/secret", capacity=100, description="# Hi"
        )
        await add_session(org.owner, event["id"], title="Late", starts_at=at(3), ends_at=at(4))
        await add_session(org.owner, event["id"], title="Early", starts_at=at(0), ends_at=at(1))
        few = await add_ticket(org.owner, event["id"], name="Few", quantity=3)
        await add_ticket(org.owner, event["id"], name="Hidden", visible=False)
        await add_ticket(org.owner, event["id"], name="VIP", price_minor=5000)
        later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        await add_ticket(org.owner, event["id"], name="Later", sales_start_at=later)
        full = await add_ticket(org.owner, event["id"], name="Full", quantity=1)
        assert (await org.owner.client.post(f"/api/events/{event['id']}/publish")).status_code == 200
        await insert_attendees(app, org.id, event["id"], few["id"], ["registered"])
        await insert_attendees(app, org.id, event["id"], full["id"], ["registered"])
        r = await client.get(f"/api/public/events/{org.slug}/{event['slug']}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert "secret" not in r.text and "online_url" not in body
        assert body["registration_open"] is True and body["status"] == "published"
        assert [s["title"] for s in body["sessions"]] == ["Early", "Late"]
        texts = {t["name"]: t["availability"] for t in body["ticket_types"]}
        assert texts["Few"] == "2 left"
        assert texts["VIP"] == "Not yet on sale"
        assert texts["Later"].startswith("Not yet on sale")
        assert texts["Full"] == "Sold out — join the waitlist"
        assert "Hidden" not in texts
        assert "<h1>Hi</h1>" in body["description_html"]

    async def test_event_capacity_caps_every_type(self, orgs: OrgFactory, client: Any, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event, ticket = await published_event(org.owner, capacity=2, waitlist_enabled=False)
        await insert_attendees(app, org.id, event["id"], ticket["id"], ["registered", "checked_in"])
        body = (await client.get(f"/api/public/events/{org.slug}/{event['slug']}")).json()
        assert body["ticket_types"][0]["availability"] == "Sold out"
        assert body["ticket_types"][0]["on_sale"] is False

    async def test_drafts_unknown_and_other_org_slugs_are_404(self, orgs: OrgFactory, client: Any) -> None:
        org, other = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        draft = await make_event(org.owner, title="Secret plans")
        pub, _ = await published_event(org.owner, title="Open day")
        for path in (
            f"{org.slug}/{draft['slug']}",
            f"{org.slug}/nope",
            f"{other.slug}/{pub['slug']}",
            f"no-such-org/{pub['slug']}",
        ):
            assert_problem(await client.get(f"/api/public/events/{path}"), 404, "not_found")
        assert (await client.get(f"/api/public/events/{org.slug}/{pub['slug']}")).status_code == 200

    async def test_cancelled_after_publishing_still_answers(self, orgs: OrgFactory, client: Any) -> None:
        org = await orgs.create(roles=("owner",))
        event, _ = await published_event(org.owner)
        await org.owner.client.post(f"/api/events/{event['id']}/cancel")
        body = (await client.get(f"/api/public/events/{org.slug}/{event['slug']}")).json()
        assert body["status"] == "cancelled" and body["registration_open"] is False
