"""The request's database session: the only place that commits.

Domain code adds rows and registers after-commit callbacks (jobs, live events); this
dependency commits once the route returns and only then runs the callbacks. On error it
rolls back and drops them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.logging import get_logger
from mandate.runtime import attach

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT_KEY = "after_commit"
_WROTE_KEY = "wrote"
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


_READ_ONLY_PREFIXES = ("SELECT", "PRAGMA", "SHOW")


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    # Seen at the driver level so ORM flushes, bulk statements and raw SQL all count.
    if not statement.lstrip()[:6].upper().startswith(_READ_ONLY_PREFIXES):
        conn.info[_WROTE_KEY] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_writes(conn: Connection) -> None:
    conn.info.pop(_WROTE_KEY, None)


async def _has_writes(session: AsyncSession) -> bool:
    sync = session.sync_session
    if sync.new or sync.dirty or sync.deleted:
        return True
    if not session.in_transaction():
        return False
    connection = await session.connection()
    return bool(connection.info.get(_WROTE_KEY, False))


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    factory = request.app.state.session_factory
    async with factory() as session:
        attach(session, request.app.state.runtime)
        try:
            yield session
            if await _has_writes(session):  # a read-only request has nothing to commit
                await session.commit()
        except BaseException:
            await session.rollback()
            session.sync_session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
    await run_after_commit(session)


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
