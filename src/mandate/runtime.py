"""The process's services (job queue, live bus, storage, mail), built once from settings.

The app keeps one on `app.state.runtime`; a worker builds its own. Every database session
carries it in `session.info`, so domain code reaches the services through the session it
already has instead of through globals.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.config import Settings
from mandate.storage import DownloadLinks, Storage, build_storage

if TYPE_CHECKING:
    from mandate.jobs.queue import JobQueue
    from mandate.live.bus import LiveBus

_RUNTIME_KEY = "runtime"


@dataclass
class Runtime:
    settings: Settings
    jobs: JobQueue
    storage: Storage
    downloads: DownloadLinks
    live: LiveBus

    async def close(self) -> None:
        """On shutdown: stop the in-process job threads, then close the live bus and storage clients."""
        await asyncio.to_thread(self.jobs.stop_in_process)
        await self.live.close()
        await self.storage.close()


def build_runtime(settings: Settings) -> Runtime:
    from mandate.jobs.handlers import load_handlers
    from mandate.jobs.queue import JobQueue
    from mandate.jobs.worker import WorkerThreads
    from mandate.live.bus import build_bus  # imported here: mandate.live imports this module

    load_handlers()
    queue = JobQueue(settings)
    downloads = DownloadLinks(
        settings.ensure_secret_key(), settings.base_url, default_seconds=settings.download_link_seconds
    )
    runtime = Runtime(
        settings=settings, jobs=queue, storage=build_storage(settings), downloads=downloads, live=build_bus(settings)
    )
    # Job threads share every service: the live bus keeps one Redis client per event loop and the
    # memory bus wakes readers on their own loop; engines are made per thread by WorkerThreads.
    queue.bind(WorkerThreads(runtime, pooled=not queue.immediate))
    return runtime


def attach(session: AsyncSession, runtime: Runtime) -> AsyncSession:
    session.sync_session.info[_RUNTIME_KEY] = runtime
    return session


def runtime_of(session: AsyncSession) -> Runtime:
    runtime: Runtime | None = session.sync_session.info.get(_RUNTIME_KEY)
    if runtime is None:
        raise RuntimeError("this session was opened without a runtime (see mandate.runtime.attach)")
    return runtime
