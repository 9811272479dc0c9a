"""Two API processes sharing Redis and one database: a change made through one reaches a browser
connected to the other, and a reconnect there gets exactly what it missed."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from mandate.config import Settings
from tests.helpers.api import create_deal
from tests.helpers.sse import SseMessage
from tests.live.conftest import LiveApp, StartServer, listening, next_event, token_of

pytestmark = pytest.mark.anyio
GUARD_SECONDS = 60


@pytest.fixture
def two_servers(settings: Settings, start_server: StartServer) -> tuple[LiveApp, LiveApp]:
    if not settings.redis_url:
        pytest.skip("processes share live events through Redis: set MANDATE_TEST_REDIS_URL")
    return start_server("a"), start_server("b")


async def _rename(server: LiveApp, actor: Any, deal_id: str, name: str) -> None:
    async with server.client(token_of(actor)) as client:
        response = await client.patch(f"/api/deals/{deal_id}", json={"name": name})
        assert response.status_code == 200, response.text


def _seen(messages: list[SseMessage]) -> list[tuple[str, str]]:
    return [(m.json()["channel"], m.json()["data"]["name"]) for m in messages]


async def test_a_change_through_one_process_reaches_a_listener_on_the_other(
    orgs: Any, two_servers: tuple[LiveApp, LiveApp]
) -> None:
    a, b = two_servers
    org = await orgs.create()
    deal = await create_deal(org.owner.client, name="Atlas")
    channels = (f"org:{org.id}", f"deal:{deal['id']}")
    async with b.client(token_of(org.viewer)) as listener:
        with anyio.fail_after(GUARD_SECONDS):
            async with listening(listener, *channels) as stream:
                opening = await anext(stream)
                assert opening.id and opening.data is None
                await _rename(a, org.member, deal["id"], "Atlas II")
                live = [await next_event(stream), await next_event(stream)]
            assert sorted(_seen(live)) == sorted([(channels[0], "Atlas II"), (channels[1], "Atlas II")])
            last_seen = live[-1].id

            # Away from B while two more changes go through A.
            await _rename(a, org.member, deal["id"], "Atlas III")
            await _rename(a, org.owner, deal["id"], "Atlas IV")
            async with listening(listener, *channels, last_event_id=last_seen) as stream:
                assert (await anext(stream)).data is None  # the opening: no reload
                missed = [await next_event(stream) for _ in range(4)]
                await _rename(a, org.owner, deal["id"], "marker")
                marker = await next_event(stream)
    assert sorted(_seen(missed)) == sorted([(c, n) for c in channels for n in ("Atlas III", "Atlas IV")])
    for channel in channels:  # in order within each channel
        assert [n for c, n in _seen(missed) if c == channel] == ["Atlas III", "Atlas IV"]
    assert marker.json()["data"]["name"] == "marker"  # and nothing else in between
