"""One SSE connection: where it starts (now, a replay, or a reload), then live events until its time is up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import orjson
from sse_starlette import ServerSentEvent

from mandate.kit.logging import get_logger
from mandate.live.bus import BUS_ERRORS, LiveBus
from mandate.live.cursor import encode_cursor
from mandate.live.events import LiveEvent

# How long browsers wait before reconnecting after the stream ends.
RETRY_MS = 2000
RELOAD = "reload"
log = get_logger(__name__)


@dataclass
class Start:
    cursor: dict[str, str]
    backlog: list[LiveEvent] = field(default_factory=list)
    reload_reason: str | None = None


async def start(bus: LiveBus, channels: Sequence[str], resume: dict[str, str] | None) -> Start:
    """The position to stream from: now (no resume), the resume point with its backlog, or a reload."""
    if resume is None:
        return Start(await bus.positions(channels))
    if any(channel not in resume for channel in channels):
        return Start(await bus.positions(channels), reload_reason="unknown_position")
    replays = [await bus.replay(channel, resume[channel]) for channel in channels]
    if any(replay.gap for replay in replays):
        return Start(await bus.positions(channels), reload_reason="history_gap")
    backlog = sorted((e for replay in replays for e in replay.events), key=lambda e: e.event_id)
    return Start({channel: resume[channel] for channel in channels}, backlog)


def _message(event: LiveEvent, cursor: dict[str, str]) -> ServerSentEvent:
    cursor[event.channel] = event.id
    data = f'{{"channel":{orjson.dumps(event.channel).decode()},"data":{event.data}}}'
    return ServerSentEvent(data=data, event=event.type, id=encode_cursor(cursor))


def _opening(begin: Start) -> ServerSentEvent:
    cursor = encode_cursor(begin.cursor)
    if begin.reload_reason is None:
        # No data: browsers only record the id (so a reconnect resumes from here) and the retry.
        return ServerSentEvent(id=cursor, retry=RETRY_MS)
    data = orjson.dumps({"reason": begin.reload_reason}).decode()
    return ServerSentEvent(data=data, event=RELOAD, id=cursor, retry=RETRY_MS)


def lifetime(max_seconds: float) -> float:
    """A little under the maximum, so connections opened together do not all reconnect together."""
    return max_seconds * random.uniform(0.9, 1.0)  # noqa: S311 - jitter, not a secret


async def messages(bus: LiveBus, begin: Start, seconds: float) -> AsyncIterator[ServerSentEvent]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    cursor = dict(begin.cursor)
    yield _opening(begin)
    for event in begin.backlog:
        yield _message(event, cursor)
    try:
        while (remaining := deadline - loop.time()) > 0:
            for event in await bus.read(cursor, remaining):
                yield _message(event, cursor)
    except BUS_ERRORS:  # the bus went away: end cleanly, the browser reconnects and resumes
        log.exception("live_stream_read_failed", channels=list(cursor))
