"""The live bus: append an event to a channel, read what came after a position.

Two backends with one contract: `MemoryBus` (one process) and `RedisBus` (many processes sharing
Redis). Configuration picks one: Redis when `MANDATE_REDIS_URL` is set, else memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from redis.exceptions import RedisError

from mandate.config import Settings
from mandate.live.events import LiveEvent, Replay

# What a bus raises when its backend cannot be reached (the memory bus never does).
BUS_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)


class LiveBus(Protocol):
    async def publish(self, channel: str, event_type: str, data: str) -> str:
        """Append an event (data is JSON text); return its id."""
        ...

    async def positions(self, channels: Sequence[str]) -> dict[str, str]:
        """The id of each channel's newest event: reading after it returns only newer events."""
        ...

    async def replay(self, channel: str, after: str) -> Replay:
        """Events after `after`, or a gap when the channel no longer holds all of them."""
        ...

    async def read(self, cursors: Mapping[str, str], block_seconds: float) -> list[LiveEvent]:
        """Events after each channel's cursor, waiting up to `block_seconds` for the first one."""
        ...

    async def close(self) -> None: ...


def build_bus(settings: Settings) -> LiveBus:
    if settings.redis_url:
        from mandate.live.redis_bus import RedisBus

        return RedisBus(settings.redis_url, history=settings.live_history)
    from mandate.live.memory_bus import MemoryBus

    return MemoryBus(history=settings.live_history)
