"""Live events leave only after the request's transaction commits; a rollback drops them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.deal.models import Deal
from mandate.kit.errors import Conflict
from mandate.kit.session import DbSession
from mandate.kit.tenancy import set_organization
from mandate.live import publish
from tests.helpers.api import create_deal
from tests.helpers.fixtures import LiveCapture

pytestmark = pytest.mark.anyio
CHANNEL = "org:publishing-tests"


def _add_routes(app: FastAPI) -> None:
    """Routes that publish and then fail, the way a real route would, through the request session."""

    @app.post("/test-only/publish-then-raise")
    async def publish_then_raise(db: DbSession) -> None:
        db.add(User(email=f"{uuid.uuid4()}@example.com", full_name="Rolled Back", password_hash="x"))
        publish(db, CHANNEL, "test.event", {"n": 1})
        raise Conflict("refused after publishing")

    @app.post("/test-only/publish-then-fail-commit")
    async def publish_then_fail_commit(db: DbSession) -> None:
        db.add(User(email="taken@example.com", full_name="Duplicate", password_hash="x"))  # fails at commit
        publish(db, CHANNEL, "test.event", {"n": 2})

    @app.post("/test-only/publish")
    async def publish_and_commit(db: DbSession) -> None:
        db.add(User(email=f"{uuid.uuid4()}@example.com", full_name="Kept", password_hash="x"))
        publish(db, CHANNEL, "test.event", {"n": 3})


class TestPublishAfterCommit:
    async def test_the_event_leaves_after_the_commit_is_visible(
        self, app: Any, orgs: Any, capture_live_events: LiveCapture
    ) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        channel = f"deal:{deal['id']}"
        await capture_live_events.watch(channel)
        bus = app.state.runtime.live
        seen_in_db: list[str] = []

        async def consumer() -> None:
            # What a listener does on an event: read the database. The change must already be there.
            await bus.read(capture_live_events.cursors, 30)
            async with app.state.session_factory() as session:
                set_organization(session, org.id)
                seen_in_db.append((await session.get_one(Deal, uuid.UUID(deal["id"]))).name)

        task = asyncio.create_task(consumer())
        response = await org.member.client.patch(f"/api/deals/{deal['id']}", json={"name": "Atlas II"})
        assert response.status_code == 200
        await task
        assert seen_in_db == ["Atlas II"]
        events = await capture_live_events.events()
        assert [(e.type, e.payload()["name"]) for e in events] == [("deal.changed", "Atlas II")]

    async def test_a_request_that_fails_after_publishing_sends_nothing(
        self, app: Any, capture_live_events: LiveCapture
    ) -> None:
        _add_routes(app)
        await capture_live_events.watch(CHANNEL)
        async with app.state.session_factory() as session:
            session.add(User(email="taken@example.com", full_name="First", password_hash="x"))
            await session.commit()
        # Answer a crash with its 500 page, as a server does, instead of raising into the test.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.post("/test-only/publish-then-raise")).status_code == 409
            assert (await client.post("/test-only/publish-then-fail-commit")).status_code == 500
            assert await capture_live_events.events() == []
            assert (await client.post("/test-only/publish")).status_code == 200
        assert [e.payload() for e in await capture_live_events.events()] == [{"n": 3}]

    async def test_a_refused_deal_change_publishes_nothing(self, orgs: Any, capture_live_events: LiveCapture) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        await capture_live_events.watch(f"org:{org.id}", f"deal:{deal['id']}")
        assert (await org.viewer.client.patch(f"/api/deals/{deal['id']}", json={"name": "x"})).status_code == 403
        assert (await org.member.client.patch(f"/api/deals/{deal['id']}", json={"name": " "})).status_code == 422
        assert await capture_live_events.events() == []


class TestPublishChecksAtOnce:
    async def test_a_bad_channel_or_data_fails_inside_the_request(self, app: Any) -> None:
        async with app.state.session_factory() as session:
            assert isinstance(session, AsyncSession)
            with pytest.raises(ValueError, match="not a channel name"):
                publish(session, "no-kind", "t", {})
            with pytest.raises(TypeError):
                publish(session, CHANNEL, "t", {"when": object()})
