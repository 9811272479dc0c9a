"""The process's services (job queue, live bus, storage, mail), built once from settings.

The app keeps one on `app.state.runtime`; a worker builds its own. Every database session
carries it in `session.info`, so domain code reaches the services through the session it
already has instead of through globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.config import Settings

if TYPE_CHECKING:
    from mandate.live.bus import LiveBus

_RUNTIME_KEY = "runtime"


@dataclass
class Runtime:
    settings: Settings
    live: LiveBus

    async def close(self) -> None:
        await self.live.close()


def build_runtime(settings: Settings) -> Runtime:
    from mandate.live.bus import build_bus  # imported here: mandate.live imports this module

    return Runtime(settings=settings, live=build_bus(settings))


def attach(session: AsyncSession, runtime: Runtime) -> AsyncSession:
    session.sync_session.info[_RUNTIME_KEY] = runtime
    return session


def runtime_of(session: AsyncSession) -> Runtime:
    runtime: Runtime | None = session.sync_session.info.get(_RUNTIME_KEY)
    if runtime is None:
        raise RuntimeError("this session was opened without a runtime (see mandate.runtime.attach)")
    return runtime
