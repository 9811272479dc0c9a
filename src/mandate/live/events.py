"""Live events and their ids.

An event id is `<milliseconds>-<sequence>`, ordered within its channel: Redis stream ids have this
shape, and the in-memory bus makes its ids the same way so both backends compare alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

_EVENT_ID = re.compile(r"\A(\d{1,20})-(\d{1,20})\Z")

EventId = tuple[int, int]
ZERO: EventId = (0, 0)


def parse_event_id(text: str) -> EventId:
    found = _EVENT_ID.match(text)
    if found is None:
        raise ValueError(f"not an event id: {text!r}")
    return int(found.group(1)), int(found.group(2))


def format_event_id(event_id: EventId) -> str:
    return f"{event_id[0]}-{event_id[1]}"


def encode_data(data: dict[str, Any]) -> str:
    """JSON text for an event's data; raises TypeError for values JSON cannot hold."""
    return orjson.dumps(data).decode()


@dataclass(frozen=True, slots=True)
class LiveEvent:
    channel: str
    id: str
    type: str
    data: str  # JSON text, sent to clients as it is

    @property
    def event_id(self) -> EventId:
        return parse_event_id(self.id)

    def payload(self) -> Any:
        return orjson.loads(self.data)


@dataclass(frozen=True, slots=True)
class Replay:
    """What a channel holds after a position: the events, or `gap` when some were already dropped."""

    events: list[LiveEvent]
    gap: bool = False
