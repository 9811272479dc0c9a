from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import tests.jobs.handlers  # noqa: F401  (registers the test job types)
from mandate.audit.models import AuditEntry
from mandate.jobs import enqueue
from mandate.jobs.models import Job
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import unscoped
from mandate.runtime import Runtime, attach
from tests.jobs.handlers import EFFECT

Enqueue = Callable[..., Awaitable[uuid.UUID]]


@pytest.fixture
async def org_id(orgs: Any) -> uuid.UUID:
    org = await orgs.create(roles=("owner",))
    return org.id


def open_session(app: Any, runtime: Runtime | None = None) -> AsyncSession:
    return attach(app.state.session_factory(), runtime or app.state.runtime)


async def commit_job(app: Any, org_id: uuid.UUID, name: str, payload: dict[str, Any] | None = None) -> uuid.UUID:
    """Write a job the way a request does: in a transaction, handed to the queue after commit."""
    async with open_session(app) as session:
        created = enqueue(session, name, payload or {}, organization_id=org_id)
        await session.commit()
    await run_after_commit(session)
    return created.id


async def load_job(app: Any, job_id: uuid.UUID) -> Job:
    async with app.state.session_factory() as session:
        found = await session.get(Job, job_id)
        assert found is not None
        return found


async def effects(app: Any, job_id: uuid.UUID, action: str = EFFECT) -> int:
    async with app.state.session_factory() as session, _unscoped(session):
        query = select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
        return int(await session.scalar(query.where(AuditEntry.subject_id == str(job_id))) or 0)


class _unscoped:
    def __init__(self, session: AsyncSession) -> None:
        self._manager = unscoped(session)

    async def __aenter__(self) -> None:
        self._manager.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self._manager.__exit__(*exc)


@pytest.fixture
async def session(app: Any) -> AsyncIterator[AsyncSession]:
    async with open_session(app) as opened:
        yield opened
