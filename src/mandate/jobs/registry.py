"""Job types: a name, an async handler, and how hard to try."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.jobs.models import Job
from mandate.kit.session import run_after_commit
from mandate.kit.tenancy import set_organization
from mandate.runtime import Runtime, attach


class JobFailed(Exception):
    """A failure retrying cannot fix (bad input, a missing row): the job fails at once."""


@dataclass(frozen=True)
class JobContext:
    session: AsyncSession
    runtime: Runtime
    job: Job

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @asynccontextmanager
    async def separately(self) -> AsyncIterator[AsyncSession]:
        """A second session that commits when the block ends, for progress people must see before the
        job finishes (a status moving to running). It is not rolled back with the job: keep it idempotent,
        and use it before the job's own session writes anything (SQLite allows one writer)."""
        side = attach(AsyncSession(self.session.bind, expire_on_commit=False, autoflush=False), self.runtime)
        set_organization(side, self.job.organization_id)
        async with side:
            yield side
            await side.commit()
        await run_after_commit(side)


JobResult = dict[str, Any] | None
Handler = Callable[[JobContext], Awaitable[JobResult]]
# Called once, in the transaction that marks the job failed for good (the handler's own rows are
# rolled back by then): the place to mark a domain row such as a mail message or an export failed.
FailureHook = Callable[[AsyncSession, Job, str], Awaitable[None]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    handler: Handler
    max_attempts: int
    lease_seconds: int
    backoff_seconds: float
    on_failure: FailureHook | None = None

    def backoff(self, attempt: int) -> float:
        """Exponential: 1x, 2x, 4x ... of the base, capped at an hour."""
        return float(min(self.backoff_seconds * 2 ** max(attempt - 1, 0), 3600))


_SPECS: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    max_attempts: int = 5,
    lease_seconds: int = 300,
    backoff_seconds: float = 10,
    on_failure: FailureHook | None = None,
) -> Callable[[Handler], Handler]:
    """Register an async handler. It runs inside one transaction with the job's success mark,
    so its database effects happen exactly once; effects outside the database must be idempotent."""

    def register(handler: Handler) -> Handler:
        if name in _SPECS and _SPECS[name].handler is not handler:
            raise ValueError(f"job {name!r} is registered twice")
        _SPECS[name] = JobSpec(name, handler, max_attempts, lease_seconds, backoff_seconds, on_failure)
        return handler

    return register


def get_spec(name: str) -> JobSpec | None:
    return _SPECS.get(name)


def registered_names() -> list[str]:
    return sorted(_SPECS)
