"""The request's database session: the only place that commits.

Domain code adds rows and registers after-commit callbacks (jobs, live events); this
dependency commits once the route returns and only then runs the callbacks. On error it
rolls back and drops them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.logging import get_logger

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT_KEY = "after_commit"
log = get_logger(__name__)


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    session.sync_session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.sync_session.info.pop(_AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("after_commit_callback_failed")


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    factory = request.app.state.session_factory
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            session.sync_session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
    await run_after_commit(session)


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
