"""The live bus on Redis: one stream per channel, shared by every process.

`XADD ... MAXLEN ~ history` keeps each stream bounded and an expiry drops channels nobody wrote to
for a day. Readers block in `XREAD`. Gaps are found with `XINFO STREAM` (see `_gap`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from mandate.live.events import ZERO, EventId, LiveEvent, Replay, parse_event_id

KEY_PREFIX = "mandate:live:"
STREAM_TTL_SECONDS = 86_400
READ_COUNT = 500


def _key(channel: str) -> str:
    return KEY_PREFIX + channel


def _missing(reply: Any) -> bool:
    """XINFO on a stream that does not exist (never written, or expired)."""
    if isinstance(reply, ResponseError):
        if "no such key" in str(reply).lower():
            return True
        raise reply
    return False


class RedisBus:
    def __init__(self, url: str, history: int) -> None:
        self._url = url
        self._history = history
        # redis.asyncio connections belong to the loop that opened them; keep one client per loop.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = weakref.WeakKeyDictionary()

    def _redis(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = Redis.from_url(self._url, decode_responses=True, socket_connect_timeout=5)
            self._clients[loop] = client
        return client

    async def publish(self, channel: str, event_type: str, data: str) -> str:
        key = _key(channel)
        async with self._redis().pipeline(transaction=False) as pipe:
            pipe.xadd(key, {"type": event_type, "data": data}, maxlen=self._history, approximate=True)
            pipe.expire(key, STREAM_TTL_SECONDS)
            event_id, _expiry_set = await pipe.execute()
        return str(event_id)

    async def positions(self, channels: Sequence[str]) -> dict[str, str]:
        async with self._redis().pipeline(transaction=False) as pipe:
            for channel in channels:
                pipe.xinfo_stream(_key(channel))
            replies = await pipe.execute(raise_on_error=False)
        return {
            channel: "0-0" if _missing(reply) else str(reply["last-generated-id"])
            for channel, reply in zip(channels, replies, strict=True)
        }

    async def replay(self, channel: str, after: str) -> Replay:
        cursor = parse_event_id(after)
        key = _key(channel)
        async with self._redis().pipeline(transaction=True) as pipe:  # one snapshot: no trim in between
            pipe.xinfo_stream(key)
            pipe.xrange(key, min=f"({after}", max="+", count=READ_COUNT)
            info, entries = await pipe.execute(raise_on_error=False)
        if _missing(info):
            return Replay([], gap=cursor > ZERO)  # it had events once, and they expired or were flushed
        if isinstance(entries, Exception):
            raise entries
        if _gap(info, cursor):
            return Replay([], gap=True)
        return Replay([_event(channel, entry_id, fields) for entry_id, fields in entries])

    async def read(self, cursors: Mapping[str, str], block_seconds: float) -> list[LiveEvent]:
        streams: dict[Any, Any] = {_key(channel): after for channel, after in cursors.items()}
        block = max(1, int(block_seconds * 1000)) if block_seconds > 0 else None
        reply = await self._redis().xread(streams, count=READ_COUNT, block=block)
        found: list[LiveEvent] = []
        for key, entries in reply or []:
            channel = str(key).removeprefix(KEY_PREFIX)
            found.extend(_event(channel, entry_id, fields) for entry_id, fields in entries)
        return found

    async def close(self) -> None:
        try:
            client = self._clients.pop(asyncio.get_running_loop(), None)
        except RuntimeError:  # no running loop: nothing was opened from here
            return
        if client is not None:
            await client.aclose()


def _gap(info: Mapping[str, Any], cursor: EventId) -> bool:
    """Whether the stream may have lost entries after `cursor`.

    A position is an id this stream handed out (an entry, or `last-generated-id`), or "0-0" for a
    stream that did not exist yet. So a position older than the first remaining entry means either
    trimming took entries after it (`entries-added` > `length`, Redis 7) or it belongs to an
    earlier stream under the same key that expired. When trimming took exactly the entries the
    reader had seen, it reloads needlessly: a harmless extra fetch, never a silent gap.
    """
    if cursor > parse_event_id(str(info["last-generated-id"])):
        return True  # from a stream that was since flushed and started again
    first = info.get("first-entry")
    if not first:
        return cursor < parse_event_id(str(info["last-generated-id"]))
    if cursor >= parse_event_id(str(first[0])):
        return False
    added = info.get("entries-added")
    trimmed = added is None or int(added) > int(info["length"])
    return trimmed or cursor > ZERO


def _event(channel: str, entry_id: Any, fields: Mapping[str, Any]) -> LiveEvent:
    return LiveEvent(channel, str(entry_id), str(fields["type"]), str(fields["data"]))
