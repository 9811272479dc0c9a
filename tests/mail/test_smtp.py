"""The SMTP backend against a real SMTP server (aiosmtpd on 127.0.0.1): MIME, headers, retries, refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

import pytest
from sqlalchemy import update

from mandate.config import Settings
from mandate.jobs.models import Job
from mandate.jobs.runner import run_job
from mandate.kit.db import utcnow
from mandate.mail import Attachment, MailKind
from tests.helpers.fixtures import OrgFactory
from tests.helpers.mail import SmtpServer, outbox
from tests.mail.conftest import compose_now, send_jobs

pytestmark = pytest.mark.anyio
NOTICE = {"title": "Your deal room is ready", "paragraphs": ["Documents are uploaded."], "action_url": None}
ICS = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", "BEGIN:VEVENT", "UID:x@mandate", "END:VEVENT"])
ICS += "\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "mail_backend": "smtp",
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_timeout_seconds": 5,
            "mail_from": "Mandate Deals <deals@mandate.example>",
        }
    )


def _parts(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


async def _job(app: Any, message_id: uuid.UUID) -> Job:
    [job] = await send_jobs(app, message_id)
    return job


async def _run_again_now(app: Any, job: Job) -> str:
    async with app.state.session_factory() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
        await session.commit()
    return await run_job(app.state.session_factory, app.state.runtime, job.id)


class TestDelivery:
    async def test_mime_structure_and_headers(self, app: Any, smtp_server: SmtpServer) -> None:
        attachments = [Attachment.calendar("board-meeting.ics", ICS), Attachment.pdf("teaser.pdf", b"%PDF-1.4 x")]
        message_id = await compose_now(
            app,
            template="mail/email/notice",
            to="ana@example.com",
            to_name="Ana Lima",
            context=NOTICE,
            attachments=attachments,
        )
        [received] = smtp_server.received
        assert received.rcpt_tos == ["ana@example.com"]
        assert received.mail_from == "deals@mandate.example"
        mime = received.message
        assert parseaddr(mime["From"]) == ("Mandate Deals", "deals@mandate.example")
        assert parseaddr(mime["To"]) == ("Ana Lima", "ana@example.com")
        assert mime["Subject"] == "Your deal room is ready"
        [stored] = await outbox(app)
        assert mime["Message-ID"] == stored.message_id
        assert parsedate_to_datetime(mime["Date"]) == stored.created_at.replace(microsecond=0)
        assert mime["List-Unsubscribe"] is None and mime["Auto-Submitted"] == "auto-generated"
        assert _parts(mime) == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/pdf",
        ]
        text, html = (
            part for part in mime.walk() if part.get_content_maintype() == "text" and not part.is_attachment()
        )
        assert "Documents are uploaded." in text.get_content() and "<html" in html.get_content()
        ics, pdf = mime.iter_attachments()
        assert (ics.get_filename(), ics.get_param("method"), ics.get_content_charset()) == (
            "board-meeting.ics",
            "REQUEST",
            "utf-8",
        )
        assert ics.get_content_disposition() == "attachment" and ics.get_content() == ICS
        assert (pdf.get_filename(), pdf.get_content()) == ("teaser.pdf", b"%PDF-1.4 x")
        assert (stored.status, stored.backend, stored.attempts) == ("sent", "smtp", 1)
        assert (await _job(app, message_id)).status == "succeeded"

    async def test_a_notification_carries_list_unsubscribe(
        self, app: Any, smtp_server: SmtpServer, orgs: OrgFactory
    ) -> None:
        org = await orgs.create(roles=("owner",))
        await compose_now(
            app,
            template="mail/email/notice",
            to=org.owner.email,
            context=NOTICE,
            kind=MailKind.NOTIFICATION,
            category="community_digests",
            user_id=org.owner.user_id,
        )
        [received] = smtp_server.received
        assert received.message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
        assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert _parts(received.message) == ["multipart/alternative", "text/plain", "text/html"]

    async def test_a_sent_message_is_not_sent_again(self, app: Any, smtp_server: SmtpServer) -> None:
        message_id = await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        job = await _job(app, message_id)
        async with app.state.session_factory() as session:  # as if the sweeper handed it over twice
            await session.execute(update(Job).where(Job.id == job.id).values(status="queued", attempts=1))
            await session.commit()
        assert await run_job(app.state.session_factory, app.state.runtime, job.id) == "succeeded"
        assert len(smtp_server.received) == 1
        assert (await _job(app, message_id)).result == {"status": "sent", "delivered": False}


class TestRefusals:
    async def test_a_temporary_refusal_is_retried_and_recorded(self, app: Any, smtp_server: SmtpServer) -> None:
        smtp_server.refuse_data = "451 4.3.0 Mailbox busy, try again later"
        before = utcnow()
        message_id = await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        [message] = await outbox(app)
        assert (message.status, message.attempts, message.sent_at) == ("queued", 1, None)
        assert message.last_error == "The mail server deferred the message: 451 4.3.0 Mailbox busy, try again later"
        job = await _job(app, message_id)
        assert (job.status, job.attempts) == ("queued", 1)
        assert job.run_at > before + timedelta(seconds=29)  # the backoff

        smtp_server.refuse_data = None
        assert await _run_again_now(app, job) == "succeeded"
        [message] = await outbox(app)
        assert (message.status, message.attempts) == ("sent", 2)
        assert len(smtp_server.received) == 1

    async def test_a_stopped_server_is_retried(self, app: Any, smtp_server: SmtpServer) -> None:
        smtp_server.stop()
        message_id = await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        [message] = await outbox(app)
        assert message.status == "queued"
        assert message.last_error and message.last_error.startswith(
            f"Could not deliver through 127.0.0.1:{smtp_server.port}:"
        )
        smtp_server.start()
        assert await _run_again_now(app, await _job(app, message_id)) == "succeeded"
        assert [r.message["Subject"] for r in smtp_server.received] == ["Your deal room is ready"]

    async def test_a_permanent_rejection_fails_with_a_readable_error(self, app: Any, smtp_server: SmtpServer) -> None:
        smtp_server.refuse_data = "554 5.7.1 Message rejected as spam"
        message_id = await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        [message] = await outbox(app)
        expected = "The mail server rejected the message: 554 5.7.1 Message rejected as spam"
        assert (message.status, message.attempts, message.last_error) == ("failed", 1, expected)
        job = await _job(app, message_id)
        assert (job.status, job.attempts, job.last_error) == ("failed", 1, expected)

    async def test_an_unknown_recipient_fails_naming_it(self, app: Any, smtp_server: SmtpServer) -> None:
        smtp_server.refuse_rcpt = "550 5.1.1 No such user here"
        await compose_now(app, template="mail/email/notice", to="ghost@example.com", context=NOTICE)
        [message] = await outbox(app)
        assert message.status == "failed"
        assert (
            message.last_error
            == "The mail server refused the recipient (ghost@example.com: 550 5.1.1 No such user here)"
        )
        assert smtp_server.received == []

    async def test_the_last_attempt_fails_the_message(self, app: Any, smtp_server: SmtpServer) -> None:
        smtp_server.refuse_data = "421 4.7.0 Too busy"
        message_id = await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        job = await _job(app, message_id)
        async with app.state.session_factory() as session:  # seven attempts already spent
            await session.execute(update(Job).where(Job.id == job.id).values(attempts=7))
            await session.commit()
        assert await _run_again_now(app, job) == "failed"
        [message] = await outbox(app)
        assert (message.status, message.attempts) == ("failed", 8)
        assert message.last_error == "The mail server deferred the message: 421 4.7.0 Too busy"
