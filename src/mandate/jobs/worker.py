"""Where jobs execute: each worker thread keeps its own event loop and engine, and shares the runtime.

Async engines and clients belong to the loop that made them, so nothing loop-bound is shared
with the app's loop. In immediate mode (unit tests) each job gets a throwaway loop and an
unpooled engine instead, so no connection outlives the test that opened it.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mandate.jobs import runner, sweeper
from mandate.kit.db import create_engine, create_session_factory
from mandate.kit.logging import get_logger
from mandate.runtime import Runtime

log = get_logger(__name__)
T = TypeVar("T")


@dataclass
class _ThreadState:
    loop: asyncio.Runner
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    runtime: Runtime


class WorkerThreads:
    def __init__(self, runtime: Runtime, *, pooled: bool) -> None:
        self._runtime = runtime
        self._pooled = pooled
        self._local = threading.local()
        self._states: list[_ThreadState] = []
        self._lock = threading.Lock()

    def run_job(self, job_id: uuid.UUID) -> str:
        return self._run(lambda state: runner.run_job(state.factory, state.runtime, job_id))

    def sweep(self) -> int:
        return self._run(lambda state: sweeper.sweep(state.factory, state.runtime))

    def _run(self, make: Callable[[_ThreadState], Coroutine[Any, Any, T]]) -> T:
        if not self._pooled:
            return self._run_once(make)
        state = self._state()
        return state.loop.run(make(state))

    def _run_once(self, make: Callable[[_ThreadState], Coroutine[Any, Any, T]]) -> T:
        with asyncio.Runner() as loop:
            state = self._new_state(loop, pool=False)

            async def run_and_dispose() -> T:
                try:
                    return await make(state)
                finally:
                    await state.engine.dispose()

            return loop.run(run_and_dispose())

    def _state(self) -> _ThreadState:
        state: _ThreadState | None = getattr(self._local, "state", None)
        if state is None:
            state = self._new_state(asyncio.Runner(), pool=True)
            self._local.state = state
            with self._lock:
                self._states.append(state)
        return state

    def _new_state(self, loop: asyncio.Runner, *, pool: bool) -> _ThreadState:
        engine = create_engine(self._runtime.settings.database_url, pool=pool)
        return _ThreadState(loop, engine, create_session_factory(engine), self._runtime)

    def close(self) -> None:
        """After the consumer stopped: release each thread's connections on its own loop."""
        with self._lock:
            states, self._states = self._states, []
        for state in states:
            try:
                state.loop.run(state.engine.dispose())
                state.loop.close()
            except RuntimeError:  # the loop's thread is still inside it (shutdown timed out)
                log.warning("job_thread_not_closed")
