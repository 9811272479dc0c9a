"""GET /api/live: who may listen to what, and the stream itself (over a real uvicorn server)."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from tests.helpers.api import assert_problem, assert_validation, create_deal
from tests.helpers.fixtures import PASSWORD
from tests.helpers.sse import SseMessage
from tests.live.conftest import HISTORY, LiveApp, StartServer, listening, next_event, token_of

pytestmark = pytest.mark.anyio
GUARD_SECONDS = 60  # a hung stream fails the test instead of the run


async def _opening(stream: Any) -> SseMessage:
    """The first message: no data, the position to resume from, and the reconnect delay."""
    message: SseMessage = await anext(stream)
    assert message.data is None and message.id and message.retry, message
    return message


async def _rename(server: LiveApp, actor: Any, deal_id: str, name: str) -> None:
    async with server.client(token_of(actor)) as client:
        response = await client.patch(f"/api/deals/{deal_id}", json={"name": name})
        assert response.status_code == 200, response.text


class TestWhoMayListen:
    """Refusals happen before the stream starts, so the in-process app answers them."""

    async def test_unauthenticated_gets_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/live", params={"channel": "org:x"}), 401, "not_authenticated")

    async def test_another_organizations_channel_is_404(self, orgs: Any) -> None:
        mine, theirs = await orgs.create(), await orgs.create()
        deal = await create_deal(theirs.owner.client)
        for channel in (f"org:{theirs.id}", f"deal:{deal['id']}"):
            response = await mine.owner.client.get("/api/live", params={"channel": channel})
            assert_problem(response, 404, "not_found")
            # One foreign channel among allowed ones refuses the whole stream.
            both = [("channel", f"org:{mine.id}"), ("channel", channel)]
            assert_problem(await mine.owner.client.get("/api/live", params=both), 404, "not_found")

    async def test_unknown_kind_and_malformed_ids_are_404(self, orgs: Any) -> None:
        org = await orgs.create()
        for channel in ("spaceship:1", "deal:not-a-uuid", f"org:{str(org.id).upper()}", f"deal:{org.id}"):
            response = await org.owner.client.get("/api/live", params={"channel": channel})
            assert_problem(response, 404, "not_found")

    async def test_bad_input_is_422_naming_the_field(self, orgs: Any) -> None:
        org = await orgs.create()
        client = org.owner.client
        assert_validation(await client.get("/api/live"), "channel")
        assert_validation(await client.get("/api/live", params={"channel": "no colon"}), "channel")
        too_many = [("channel", f"org:{org.id}")] * 9
        assert_validation(await client.get("/api/live", params=too_many), "channel")
        ok = {"channel": f"org:{org.id}"}
        bad_header = await client.get("/api/live", params=ok, headers={"Last-Event-ID": "yesterday"})
        assert_validation(bad_header, "Last-Event-ID")
        bad_query = await client.get("/api/live", params={**ok, "last_event_id": f"org:{org.id}|soon"})
        assert_validation(bad_query, "last_event_id")


class TestStream:
    async def test_viewer_with_a_token_and_member_with_a_cookie_receive_changes(
        self, orgs: Any, start_server: StartServer
    ) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        server = start_server()
        async with server.client(token_of(org.viewer)) as viewer, server.client() as browser:
            login = await browser.post("/api/auth/login", json={"email": org.member.email, "password": PASSWORD})
            assert login.status_code == 204, login.text
            with anyio.fail_after(GUARD_SECONDS):
                async with (
                    listening(viewer, f"org:{org.id}") as board,
                    listening(browser, f"deal:{deal['id']}") as page,
                ):
                    await _opening(board)
                    await _opening(page)
                    await _rename(server, org.owner, deal["id"], "Atlas II")
                    for stream, channel in ((board, f"org:{org.id}"), (page, f"deal:{deal['id']}")):
                        message = await next_event(stream, "deal.changed")
                        body = message.json()
                        assert body["channel"] == channel
                        assert body["data"]["deal_id"] == deal["id"]
                        assert body["data"]["action"] == "updated"
                        assert body["data"]["name"] == "Atlas II"
                        assert message.id is not None and message.id.startswith(f"{channel}|")

    async def test_heartbeats_arrive_as_comments(self, orgs: Any, start_server: StartServer) -> None:
        org = await orgs.create()
        server = start_server()
        async with server.client(token_of(org.member)) as client:
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, f"org:{org.id}") as stream:
                    await _opening(stream)
                    beats = 0
                    async for message in stream:
                        assert message.is_heartbeat, message
                        beats += 1
                        if beats == 3:
                            break

    async def test_resuming_replays_exactly_what_was_missed(self, orgs: Any, start_server: StartServer) -> None:
        org = await orgs.create()
        first, second = (
            await create_deal(org.owner.client, name="First"),
            await create_deal(org.owner.client, name="Second"),
        )
        server = start_server()
        channels = (f"org:{org.id}", f"deal:{first['id']}")
        async with server.client(token_of(org.member)) as client:
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, *channels) as stream:
                    resume_from = (await _opening(stream)).id
                # Missed while away: two changes to the first deal, one to the second.
                await _rename(server, org.owner, first["id"], "First v2")
                await _rename(server, org.owner, second["id"], "Second v2")
                await _rename(server, org.owner, first["id"], "First v3")
                async with listening(client, *channels, last_event_id=resume_from) as stream:
                    await _opening(stream)
                    replayed = [await next_event(stream) for _ in range(5)]
                    await _rename(server, org.owner, second["id"], "marker")
                    marker = await next_event(stream)
        seen = [(m.json()["channel"], m.json()["data"]["name"]) for m in replayed]
        org_ch, deal_ch = channels
        assert sorted(seen) == sorted(
            [
                (org_ch, "First v2"),
                (deal_ch, "First v2"),
                (org_ch, "Second v2"),
                (org_ch, "First v3"),
                (deal_ch, "First v3"),
            ]
        )
        assert [n for c, n in seen if c == org_ch] == ["First v2", "Second v2", "First v3"]  # in order
        assert marker.json()["data"]["name"] == "marker"  # nothing else came in between

    async def test_a_position_older_than_the_history_gets_reload(self, orgs: Any, start_server: StartServer) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        server = start_server()
        channel = f"org:{org.id}"
        async with server.client(token_of(org.member)) as client:
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, channel) as stream:
                    resume_from = (await _opening(stream)).id
            # Redis trims whole blocks of ~100 entries (`MAXLEN ~`), so go well past both histories.
            for n in range(max(HISTORY, 100) + 20):
                await _rename(server, org.owner, deal["id"], f"Atlas {n}")
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, channel, last_event_id=resume_from) as stream:
                    reload = await anext(stream)
                    assert reload.event == "reload" and reload.json() == {"reason": "history_gap"}
                    assert reload.id and reload.id != resume_from and reload.retry
                    await _rename(server, org.owner, deal["id"], "after reload")
                    after = await next_event(stream)
                    assert after.json()["data"]["name"] == "after reload"  # live again, from now

    async def test_a_position_for_other_channels_gets_reload(self, orgs: Any, start_server: StartServer) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        server = start_server()
        async with server.client(token_of(org.member)) as client:
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, f"org:{org.id}") as stream:
                    resume_from = (await _opening(stream)).id
                async with listening(
                    client, f"org:{org.id}", f"deal:{deal['id']}", last_event_id=resume_from
                ) as stream:
                    reload = await anext(stream)
                    assert reload.event == "reload" and reload.json() == {"reason": "unknown_position"}

    async def test_the_stream_ends_after_the_maximum_time(self, orgs: Any, start_server: StartServer) -> None:
        org = await orgs.create()
        server = start_server(live_max_connection_seconds="1")
        async with server.client(token_of(org.member)) as client:
            with anyio.fail_after(GUARD_SECONDS):
                async with listening(client, f"org:{org.id}") as stream:
                    received = [message async for message in stream]  # ends only when the server closes
        assert received[0].retry == 2000
        assert all(m.is_heartbeat for m in received[1:])
