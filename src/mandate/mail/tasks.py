"""The `mail.send` job: deliver one stored message and mark it sent in the job's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.models import Job
from mandate.jobs.registry import JobResult
from mandate.kit.db import utcnow
from mandate.kit.logging import get_logger
from mandate.mail import repository
from mandate.mail.backends import DeliveryError, backend_for
from mandate.mail.mime import build_mime
from mandate.mail.models import MailMessage, MailStatus
from mandate.mail.service import SEND_JOB

log = get_logger(__name__)
ERROR_LIMIT = 2000


async def _gave_up(session: AsyncSession, failed: Job, error: str) -> None:
    """The job failed for good without the handler recording it (say its worker died on the last
    attempt): the message must not look queued forever."""
    message_id = uuid.UUID(str(failed.payload["message_id"]))
    still_queued = (MailMessage.id == message_id) & (MailMessage.status == MailStatus.QUEUED.value)
    values = {"status": MailStatus.FAILED.value, "last_error": error[:ERROR_LIMIT], "attempts": failed.attempts}
    await session.execute(update(MailMessage).where(still_queued).values(updated_at=utcnow(), **values))


@job(SEND_JOB, max_attempts=8, backoff_seconds=30, on_failure=_gave_up)
async def send(ctx: JobContext) -> JobResult:
    """At most one delivery per success mark: the `sent` status commits with the job's success,
    and a message already marked sent is skipped. A crash between the SMTP reply and that commit
    can still repeat a delivery; the Message-ID stays the same so the copy is recognisable."""
    message = await repository.message_with_attachments(ctx.session, uuid.UUID(str(ctx.payload["message_id"])))
    if message is None:
        raise JobFailed("The message no longer exists.")
    if message.status != MailStatus.QUEUED.value:
        return {"status": message.status, "delivered": False}
    backend = backend_for(ctx.runtime.settings)
    attempt = ctx.job.attempts
    try:
        await backend.deliver(build_mime(message))
    except DeliveryError as exc:
        final = exc.permanent or attempt >= ctx.job.max_attempts
        await _record_failure(ctx.session, message.id, attempt, str(exc), final=final)
        log.warning("mail_not_delivered", message=str(message.id), attempt=attempt, final=final, error=str(exc))
        if exc.permanent:
            raise JobFailed(str(exc)) from exc
        raise
    message.status = MailStatus.SENT.value
    message.attempts = attempt
    message.sent_at = utcnow()
    message.backend = backend.name
    return {"status": message.status, "backend": backend.name, "delivered": True}


async def _record_failure(
    session: AsyncSession, message_id: uuid.UUID, attempt: int, error: str, *, final: bool
) -> None:
    """In a transaction of its own: the job's transaction is rolled back when the handler raises."""
    values: dict[str, object] = {"attempts": attempt, "last_error": error[:ERROR_LIMIT], "updated_at": utcnow()}
    if final:
        values["status"] = MailStatus.FAILED.value
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with AsyncSession(engine) as own:
        await own.execute(update(MailMessage).where(MailMessage.id == message_id).values(**values))
        await own.commit()
