"""The live bus contract, for both backends (Redis only when MANDATE_TEST_REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
import redis

from mandate.live.bus import LiveBus
from mandate.live.events import parse_event_id
from mandate.live.memory_bus import MemoryBus
from mandate.live.redis_bus import KEY_PREFIX, STREAM_TTL_SECONDS, RedisBus

pytestmark = pytest.mark.anyio
HISTORY = 5
WAIT = 30.0  # a reader's block time; it returns as soon as an event is there


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[LiveBus]:
    live: LiveBus
    if request.param == "memory":
        live = MemoryBus(history=HISTORY)
    else:
        if not redis_url:
            pytest.skip("the Redis bus needs a Redis server: set MANDATE_TEST_REDIS_URL")
        live = RedisBus(redis_url, history=HISTORY)
    yield live
    await live.close()


@pytest.fixture
def redis_only(redis_url: str) -> str:
    if not redis_url:
        pytest.skip("the Redis bus needs a Redis server: set MANDATE_TEST_REDIS_URL")
    return redis_url


class TestPublishAndRead:
    async def test_events_after_a_position_come_in_order_with_type_and_data(self, bus: LiveBus) -> None:
        start = (await bus.positions(["org:a"]))["org:a"]
        ids = [await bus.publish("org:a", "deal.changed", f'{{"n":{n}}}') for n in range(3)]
        assert [parse_event_id(i) for i in ids] == sorted(parse_event_id(i) for i in ids)
        assert len(set(ids)) == 3
        events = await bus.read({"org:a": start}, WAIT)
        assert [(e.channel, e.id, e.type, e.payload()) for e in events] == [
            ("org:a", ids[n], "deal.changed", {"n": n}) for n in range(3)
        ]
        assert (await bus.positions(["org:a"]))["org:a"] == ids[-1]
        assert await bus.read({"org:a": ids[-1]}, 0) == []

    async def test_a_reader_only_gets_its_channels(self, bus: LiveBus) -> None:
        start = await bus.positions(["org:a", "deal:b"])
        await bus.publish("org:other", "x", "{}")
        mine = await bus.publish("deal:b", "y", "{}")
        events = await bus.read(start, WAIT)
        assert [(e.channel, e.id) for e in events] == [("deal:b", mine)]

    async def test_a_waiting_reader_wakes_on_publish(self, bus: LiveBus) -> None:
        start = await bus.positions(["org:a"])
        reader = asyncio.create_task(bus.read(start, WAIT))
        await asyncio.sleep(0)  # let it start waiting
        event_id = await bus.publish("org:a", "t", "{}")
        assert [e.id for e in await reader] == [event_id]

    async def test_nothing_new_returns_empty_after_the_block_time(self, bus: LiveBus) -> None:
        start = await bus.positions(["org:quiet"])
        assert await bus.read(start, 0.05) == []


class TestReplay:
    async def test_returns_exactly_the_events_after_a_position(self, bus: LiveBus) -> None:
        ids = [await bus.publish("org:a", "t", f'{{"n":{n}}}') for n in range(4)]
        replay = await bus.replay("org:a", ids[1])
        assert not replay.gap
        assert [e.id for e in replay.events] == ids[2:]
        assert (await bus.replay("org:a", ids[-1])).events == []

    async def test_a_position_before_any_event_replays_from_the_first(self, bus: LiveBus) -> None:
        start = (await bus.positions(["org:new"]))["org:new"]
        first = await bus.publish("org:new", "t", "{}")
        replay = await bus.replay("org:new", start)
        assert not replay.gap and [e.id for e in replay.events] == [first]

    async def test_a_position_older_than_the_history_is_a_gap(self, bus: LiveBus) -> None:
        early = await bus.publish("org:a", "t", "{}")
        # Redis trims whole blocks (MAXLEN ~), so publish well past the history.
        ids = [await bus.publish("org:a", "t", f'{{"n":{n}}}') for n in range(250)]
        assert (await bus.replay("org:a", early)).gap
        recent = await bus.replay("org:a", ids[-3])
        assert not recent.gap and [e.id for e in recent.events] == ids[-2:]

    async def test_a_position_this_bus_never_reached_is_a_gap(self, bus: LiveBus) -> None:
        await bus.publish("org:a", "t", "{}")
        assert (await bus.replay("org:a", "99999999999999-0")).gap


class TestMemoryBus:
    async def test_a_position_from_before_a_restart_is_a_gap(self) -> None:
        before = MemoryBus(history=HISTORY)
        position = await before.publish("org:a", "t", "{}")
        await asyncio.sleep(0.01)  # the restarted process starts on a later millisecond
        after = MemoryBus(history=HISTORY)
        assert (await after.replay("org:a", position)).gap

    async def test_ids_keep_their_order_within_one_millisecond(self) -> None:
        bus = MemoryBus(history=1000)
        ids = [parse_event_id(await bus.publish("org:a", "t", "{}")) for _ in range(200)]
        assert ids == sorted(ids) and len(set(ids)) == 200

    async def test_forgotten_channels_are_a_gap_and_the_rest_are_kept(self) -> None:
        bus = MemoryBus(history=HISTORY, max_channels=2)
        seen = await bus.publish("org:old", "t", "{}")
        newest = await bus.publish("org:old", "t", "{}")
        kept = await bus.publish("org:kept", "t", "{}")
        await bus.publish("org:new", "t", "{}")  # the third channel pushes out the least recent
        assert (await bus.replay("org:old", seen)).gap  # `newest` is gone with it
        assert not (await bus.replay("org:old", newest)).gap  # nothing after it was lost
        later = await bus.publish("org:kept", "t", "{}")
        assert [e.id for e in (await bus.replay("org:kept", kept)).events] == [later]

    async def test_a_publish_on_another_thread_wakes_a_reader(self) -> None:
        bus = MemoryBus(history=HISTORY)
        start = await bus.positions(["org:a"])
        reader = asyncio.create_task(bus.read(start, WAIT))
        await asyncio.sleep(0)
        published: list[str] = []
        thread = threading.Thread(target=lambda: published.append(asyncio.run(bus.publish("org:a", "t", "{}"))))
        thread.start()
        events = await reader
        thread.join()
        assert [e.id for e in events] == published


class TestRedisBus:
    async def test_two_processes_share_the_streams(self, redis_only: str) -> None:
        one, two = RedisBus(redis_only, history=HISTORY), RedisBus(redis_only, history=HISTORY)
        try:
            start = await two.positions(["org:a"])
            event_id = await one.publish("org:a", "t", '{"from":"one"}')
            assert [(e.id, e.payload()) for e in await two.read(start, WAIT)] == [(event_id, {"from": "one"})]
        finally:
            await one.close()
            await two.close()

    async def test_a_position_in_an_expired_stream_is_a_gap_once_the_channel_starts_again(
        self, redis_only: str
    ) -> None:
        bus = RedisBus(redis_only, history=HISTORY)
        sync = redis.Redis.from_url(redis_only)
        try:
            seen = await bus.publish("org:a", "t", "{}")
            await bus.publish("org:a", "t", '{"missed":true}')
            sync.delete(f"{KEY_PREFIX}org:a")  # expired while the reader was away
            await bus.publish("org:a", "t", "{}")
            assert (await bus.replay("org:a", seen)).gap
        finally:
            sync.close()
            await bus.close()

    async def test_streams_expire_and_an_expired_position_is_a_gap(self, redis_only: str) -> None:
        bus = RedisBus(redis_only, history=HISTORY)
        sync = redis.Redis.from_url(redis_only)
        try:
            position = await bus.publish("org:a", "t", "{}")
            ttl = sync.ttl(f"{KEY_PREFIX}org:a")
            assert 0 < ttl <= STREAM_TTL_SECONDS
            sync.delete(f"{KEY_PREFIX}org:a")  # what the expiry does
            assert (await bus.replay("org:a", position)).gap
            assert (await bus.positions(["org:a"]))["org:a"] == "0-0"
        finally:
            sync.close()
            await bus.close()
