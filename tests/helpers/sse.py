"""Reading a Server-Sent Events stream over real HTTP (httpx streaming against a live server)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class SseMessage:
    event: str | None = None
    data: str | None = None
    id: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def is_heartbeat(self) -> bool:
        return bool(self.comments) and self.event is None and self.data is None and self.id is None

    def json(self) -> Any:
        assert self.data is not None, self
        return json.loads(self.data)


def _apply(message: SseMessage, line: str) -> None:
    name, _, value = line.partition(":")
    value = value.removeprefix(" ")
    if name == "":
        message.comments.append(value)
    elif name == "data":
        message.data = value if message.data is None else f"{message.data}\n{value}"
    elif name == "event":
        message.event = value
    elif name == "id":
        message.id = value
    elif name == "retry":
        message.retry = int(value)


async def messages(response: httpx.Response) -> AsyncIterator[SseMessage]:
    """Each message of the stream as it arrives (a blank line ends one); stops when the server closes."""
    assert response.status_code == 200, response.status_code
    assert response.headers["content-type"].startswith("text/event-stream"), response.headers
    current, started = SseMessage(), False
    async for line in response.aiter_lines():
        if line:
            _apply(current, line)
            started = True
        elif started:
            yield current
            current, started = SseMessage(), False
