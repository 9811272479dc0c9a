"""Live servers for SSE tests: streaming needs a real HTTP server (httpx's ASGI transport buffers).

The servers share the test's database (SQLite file or PostgreSQL) and, when configured, its Redis,
so data set up through the in-process app (`orgs`) is what they serve.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mandate.config import Settings
from tests.helpers.live import free_port, uvicorn_server, wait_until_healthy
from tests.helpers.sse import SseMessage, messages

HEARTBEAT_SECONDS = 0.2
MAX_CONNECTION_SECONDS = 8.0
HISTORY = 5


@dataclass
class LiveApp:
    url: str

    def client(self, token_header: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": token_header} if token_header else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=httpx.Timeout(20.0), trust_env=False)


StartServer = Callable[..., LiveApp]


@pytest.fixture
def start_server(settings: Settings, tmp_path: Path) -> Iterator[StartServer]:
    """Start Mandate under uvicorn on this test's database; `MANDATE_*` overrides as keywords."""
    with ExitStack() as stack:

        def start(name: str = "server", **overrides: str) -> LiveApp:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("MANDATE_")}
            env.update(
                MANDATE_DATABASE_URL=settings.database_url,
                MANDATE_REDIS_URL=settings.redis_url,
                MANDATE_SECRET_KEY=settings.secret_key,
                MANDATE_DATA_DIR=str(tmp_path / f"data-{name}"),
                MANDATE_BASE_URL=url,
                MANDATE_LOG_LEVEL="WARNING",
                MANDATE_SEED_DEMO="false",
                MANDATE_LIVE_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
                MANDATE_LIVE_MAX_CONNECTION_SECONDS=str(MAX_CONNECTION_SECONDS),
                MANDATE_LIVE_HISTORY=str(HISTORY),
                NO_PROXY="127.0.0.1",
            )
            env.update({f"MANDATE_{key.upper()}": value for key, value in overrides.items()})
            log_path = tmp_path / f"{name}.log"
            process = stack.enter_context(uvicorn_server(env, port, log_path))
            wait_until_healthy(url, process, log_path)
            return LiveApp(url)

        yield start


@asynccontextmanager
async def listening(
    client: httpx.AsyncClient, *channels: str, last_event_id: str | None = None
) -> AsyncIterator[AsyncIterator[SseMessage]]:
    """An open stream of `channels`; yields its messages as they come."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    params = [("channel", channel) for channel in channels]
    async with client.stream("GET", "/api/live", params=params, headers=headers) as response:
        yield messages(response)


async def next_event(stream: AsyncIterator[SseMessage], event: str | None = None) -> SseMessage:
    """The next message with data (of that event type), skipping heartbeats and the opening id."""
    async for message in stream:
        if message.data is not None and (event is None or message.event == event):
            return message
    raise AssertionError("the stream ended first")


def token_of(actor: Any) -> str:
    header: str = actor.client.headers["authorization"]
    return header
