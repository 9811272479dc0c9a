"""What pages need to listen: the stream address, starting at the position the page was drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.logging import get_logger
from mandate.live.bus import BUS_ERRORS
from mandate.live.cursor import encode_cursor
from mandate.runtime import runtime_of

log = get_logger(__name__)


async def stream_url(session: AsyncSession, channels: Sequence[str]) -> str | None:
    """`/api/live?channel=...&last_event_id=<now>`, or None when the bus is down (the page still works).

    Call it before loading what the page shows: a change committed in between is then replayed
    to the page rather than missed.
    """
    try:
        positions = await runtime_of(session).live.positions(channels)
    except BUS_ERRORS:
        log.warning("live_positions_failed", channels=list(channels), exc_info=True)
        return None
    query = [*(("channel", channel) for channel in channels), ("last_event_id", encode_cursor(positions))]
    return "/api/live?" + urlencode(query)
