"""Publishing from domain code: buffered on the session, sent only after its commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.session import after_commit
from mandate.live.channels import split
from mandate.live.events import encode_data
from mandate.runtime import runtime_of


def publish(session: AsyncSession, channel: str, event_type: str, data: dict[str, Any]) -> None:
    """Send `event_type` with `data` on `channel` once this session's transaction commits.

    The name and the data are checked now, so a mistake fails the request instead of vanishing
    after the commit. A rollback drops the event.
    """
    if split(channel) is None:
        raise ValueError(f"not a channel name: {channel!r}")
    payload = encode_data(data)

    async def send() -> None:
        # The runtime is looked up only now: seeding scripts commit sessions that have none.
        await runtime_of(session).live.publish(channel, event_type, payload)

    after_commit(session, send)
