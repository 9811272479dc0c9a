"""The in-process live bus: a bounded ring of recent events per channel, and waiters woken on publish.

Publishing may happen on another thread (a job running on a worker thread's event loop), so the
rings sit behind a lock and waiters are woken through their own loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence

from mandate.live.events import EventId, LiveEvent, Replay, format_event_id, parse_event_id

# Channels kept at once; the least recently published is forgotten (its clients get `reload`).
MAX_CHANNELS = 10_000

_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class _Ring:
    __slots__ = ("events", "horizon")

    def __init__(self, horizon: EventId) -> None:
        self.events: deque[tuple[EventId, LiveEvent]] = deque()
        self.horizon = horizon  # the newest id this channel may have lost


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class MemoryBus:
    def __init__(self, history: int, *, max_channels: int = MAX_CHANNELS) -> None:
        self._history = history
        self._max_channels = max_channels
        self._lock = threading.Lock()
        self._rings: OrderedDict[str, _Ring] = OrderedDict()
        # Ids start at this process's start: an older id came from before it, whose events are gone.
        self._last: EventId = (_now_ms(), 0)
        self._floor: EventId = self._last
        self._waiters: set[_Waiter] = set()

    def _next_id(self) -> EventId:
        now = _now_ms()
        last = self._last
        self._last = (now, 0) if now > last[0] else (last[0], last[1] + 1)
        return self._last

    def _ring_for_publish(self, channel: str) -> _Ring:
        ring = self._rings.get(channel)
        if ring is not None:
            self._rings.move_to_end(channel)
            return ring
        ring = self._rings[channel] = _Ring(self._floor)
        if len(self._rings) > self._max_channels:
            _name, forgotten = self._rings.popitem(last=False)
            if forgotten.events:
                self._floor = max(self._floor, forgotten.events[-1][0])
        return ring

    async def publish(self, channel: str, event_type: str, data: str) -> str:
        with self._lock:
            event_id = self._next_id()
            event = LiveEvent(channel, format_event_id(event_id), event_type, data)
            ring = self._ring_for_publish(channel)
            if len(ring.events) >= self._history:
                ring.horizon = ring.events.popleft()[0]
            ring.events.append((event_id, event))
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)
        return event.id

    async def positions(self, channels: Sequence[str]) -> dict[str, str]:
        with self._lock:
            out = {}
            for channel in channels:
                ring = self._rings.get(channel)
                newest = ring.events[-1][0] if ring and ring.events else self._floor
                out[channel] = format_event_id(newest)
            return out

    async def replay(self, channel: str, after: str) -> Replay:
        cursor = parse_event_id(after)
        with self._lock:
            ring = self._rings.get(channel)
            horizon = ring.horizon if ring else self._floor
            if cursor < horizon or cursor > self._last:
                return Replay([], gap=True)
            return Replay(self._after(channel, cursor))

    def _after(self, channel: str, cursor: EventId) -> list[LiveEvent]:
        ring = self._rings.get(channel)
        if ring is None:
            return []
        newer: list[LiveEvent] = []
        for event_id, event in reversed(ring.events):
            if event_id <= cursor:
                break
            newer.append(event)
        newer.reverse()
        return newer

    def _collect(self, cursors: Mapping[str, str]) -> list[LiveEvent]:
        found: list[LiveEvent] = []
        for channel, after in cursors.items():
            found.extend(self._after(channel, parse_event_id(after)))
        return found

    async def read(self, cursors: Mapping[str, str], block_seconds: float) -> list[LiveEvent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + block_seconds
        while True:
            with self._lock:
                found = self._collect(cursors)
                if found or block_seconds <= 0:
                    return found
                waiter: _Waiter = (loop, loop.create_future())
                self._waiters.add(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter[1]
            except TimeoutError:
                return []
            finally:
                with self._lock:
                    self._waiters.discard(waiter)

    async def close(self) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)
