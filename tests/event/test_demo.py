"""The demo data includes published events that the public page shows."""

from __future__ import annotations

from typing import Any

import pytest

from mandate.demo import seed

pytestmark = pytest.mark.anyio


async def test_demo_events_are_published_with_a_schedule(app: Any, client: Any) -> None:
    async with app.state.session_factory() as session:
        await seed(session)
        await session.commit()
    r = await client.get("/api/public/events/harbour-capital-partners/mid-market-m-a-breakfast")
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["sessions"]) == 3 and body["ticket_types"][0]["availability"] == "60 left"
    r = await client.get("/api/public/events/harbour-capital-partners/due-diligence-masterclass")
    assert r.status_code == 200 and "meet.example" not in r.text
