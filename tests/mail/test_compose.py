"""Composing mail: both parts rendered, the outbox row and its send job written in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mandate.kit.session import run_after_commit
from mandate.mail import Attachment, MailKind, compose
from mandate.mail.models import MailMessage
from mandate.mail.preferences import update_preferences
from mandate.runtime import attach
from tests.helpers.fixtures import OrgFactory
from tests.helpers.mail import outbox
from tests.mail.conftest import compose_now, send_jobs

pytestmark = pytest.mark.anyio
NOTICE = {"title": "Quarterly close is here", "paragraphs": ["Ledgers & <tags> stay as typed."], "action_url": None}


async def _owner(orgs: OrgFactory) -> tuple[uuid.UUID, str]:
    org = await orgs.create(roles=("owner",))
    return org.owner.user_id, org.owner.email


class TestCompose:
    async def test_renders_both_parts_and_sends_through_the_outbox(self, app: Any) -> None:
        message_id = await compose_now(app, template="mail/email/notice", to="Ana@Example.com", context=NOTICE)
        [message] = await outbox(app)
        assert message.id == message_id
        assert (message.to_address, message.subject) == ("Ana@example.com", "Quarterly close is here")
        assert "Ledgers & <tags> stay as typed." in message.text_body  # text is not escaped
        assert "Ledgers &amp; &lt;tags&gt; stay as typed." in message.html_body  # HTML is
        assert '<html lang="en-GB">' in message.html_body and "Mandate" in message.html_body
        assert (message.status, message.backend, message.attempts) == ("sent", "outbox", 1)
        assert message.sent_at is not None
        assert message.kind == "transactional" and message.headers == {"Auto-Submitted": "auto-generated"}
        assert message.message_id.startswith("<") and message.message_id.endswith("@mandate.example>")
        [job] = await send_jobs(app, message_id)
        assert (job.status, job.result) == ("succeeded", {"status": "sent", "backend": "outbox", "delivered": True})

    async def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(self, app: Any) -> None:
        async with attach(app.state.session_factory(), app.state.runtime) as session:
            await compose(session, template="mail/email/notice", to="ana@example.com", context=NOTICE)
            await session.rollback()
        await run_after_commit(session)
        assert await outbox(app) == []

    async def test_attachments_are_stored_with_the_message(self, app: Any) -> None:
        ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        attachments = [Attachment.calendar("../../event.ics", ics), Attachment.pdf("agenda.pdf", b"%PDF-1.4 tiny")]
        await compose_now(
            app, template="mail/email/notice", to="ana@example.com", context=NOTICE, attachments=attachments
        )
        [message] = await outbox(app)
        stored = [(a.filename, a.content_type, a.size) for a in message.attachments]
        assert stored == [
            ("event.ics", "text/calendar; method=REQUEST; charset=utf-8", len(ics)),
            ("agenda.pdf", "application/pdf", 13),
        ]

    async def test_oversized_attachments_are_refused(self, app: Any) -> None:
        big = Attachment("big.bin", b"x" * (10 * 1024 * 1024 + 1))
        with pytest.raises(ValueError, match="attachments exceed"):
            await compose_now(
                app, template="mail/email/notice", to="ana@example.com", context=NOTICE, attachments=[big]
            )
        assert await outbox(app) == []

    async def test_a_missing_template_variable_is_an_error_not_a_blank(self, app: Any) -> None:
        with pytest.raises(Exception, match="paragraphs"):
            await compose_now(app, template="mail/email/notice", to="ana@example.com", context={"title": "Hi"})

    async def test_a_bad_address_is_refused(self, app: Any) -> None:
        with pytest.raises(ValueError, match="cannot send mail"):
            await compose_now(app, template="mail/email/notice", to="not an address", context=NOTICE)


class TestNotifications:
    async def test_carry_one_click_unsubscribe_headers_and_footer(self, app: Any, orgs: OrgFactory) -> None:
        user_id, email = await _owner(orgs)
        await compose_now(
            app,
            template="mail/email/notice",
            to=email,
            context=NOTICE,
            kind=MailKind.NOTIFICATION,
            category="product_updates",
            user_id=user_id,
        )
        [message] = await outbox(app, email)
        url = message.headers["List-Unsubscribe"].strip("<>")
        assert url.startswith("http://testserver/unsubscribe/")
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"Unsubscribe: {url}" in message.text_body
        assert f'href="{url}"' in message.html_body and "Unsubscribe from product updates" in message.html_body
        assert (message.kind, message.category, message.status) == ("notification", "product_updates", "sent")

    async def test_an_opted_out_user_is_skipped_and_the_skip_recorded(self, app: Any, orgs: OrgFactory) -> None:
        user_id, email = await _owner(orgs)
        async with app.state.session_factory() as session:
            await update_preferences(session, user_id, {"event_reminders": False}, via="settings")
            await session.commit()
        ics = Attachment.calendar("event.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        for category in ("event_reminders", "community_digests"):
            await compose_now(
                app,
                template="mail/email/notice",
                to=email,
                context=NOTICE,
                kind=MailKind.NOTIFICATION,
                category=category,
                user_id=user_id,
                attachments=[ics],
            )
        by_category = {m.category: m for m in await outbox(app, email)}
        skipped: MailMessage = by_category["event_reminders"]
        assert (skipped.status, skipped.sent_at, skipped.attachments) == ("skipped", None, [])
        assert await send_jobs(app, skipped.id) == []  # never handed to a backend
        assert by_category["community_digests"].status == "sent"

    async def test_transactional_mail_ignores_preferences(self, app: Any, orgs: OrgFactory) -> None:
        user_id, email = await _owner(orgs)
        async with app.state.session_factory() as session:
            await update_preferences(session, user_id, {k: False for k in ("product_updates",)}, via="settings")
            await session.commit()
        await compose_now(app, template="mail/email/notice", to=email, context=NOTICE, user_id=user_id)
        [message] = await outbox(app, email)
        assert message.status == "sent" and "List-Unsubscribe" not in message.headers
        assert "You cannot unsubscribe from it" in message.html_body

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"kind": MailKind.NOTIFICATION, "category": "product_updates"}, "user_id"),
            ({"kind": MailKind.NOTIFICATION, "category": "horoscopes", "user_id": uuid.uuid4()}, "horoscopes"),
            ({"category": "product_updates"}, "transactional mail has no category"),
        ],
    )
    async def test_misuse_is_refused(self, app: Any, kwargs: dict[str, Any], problem: str) -> None:
        with pytest.raises(ValueError, match=problem):
            await compose_now(app, template="mail/email/notice", to="ana@example.com", context=NOTICE, **kwargs)
        assert await outbox(app) == []


class TestSettings:
    def test_mail_from_must_hold_an_address(self) -> None:
        from pydantic import ValidationError

        from mandate.config import Settings

        assert Settings(mail_from="Deals Desk <deals@example.com>").mail_from == "Deals Desk <deals@example.com>"
        with pytest.raises(ValidationError, match="mail_from must be an address"):
            Settings(mail_from="Deals Desk")
