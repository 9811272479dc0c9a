"""One SSE id for several channels: `<channel>|<event id>` pairs joined by commas.

Every event sent carries the position of every channel of the connection, so the browser's single
`Last-Event-ID` resumes them all.
"""

from __future__ import annotations

from collections.abc import Mapping

from mandate.live.channels import split
from mandate.live.events import parse_event_id

MAX_CURSOR_LENGTH = 2000


def encode_cursor(positions: Mapping[str, str]) -> str:
    return ",".join(f"{channel}|{event_id}" for channel, event_id in positions.items())


def decode_cursor(text: str) -> dict[str, str]:
    """The positions in a cursor; ValueError when it is not one this server wrote."""
    if not text or len(text) > MAX_CURSOR_LENGTH:
        raise ValueError("empty or too long")
    positions: dict[str, str] = {}
    for item in text.split(","):
        channel, bar, event_id = item.rpartition("|")
        if not bar or split(channel) is None:
            raise ValueError(f"not a channel position: {item!r}")
        parse_event_id(event_id)
        positions[channel] = event_id
    return positions
