"""Mail in tests: a real SMTP server (aiosmtpd) on 127.0.0.1, and reading the outbox table."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mandate.mail.models import MailMessage
from tests.helpers.live import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """Collects what it is sent. Set `refuse_data` or `refuse_rcpt` to a reply ("451 ...") to refuse."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse_data: str | None = None
    refuse_rcpt: str | None = None
    _controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list[str]
    ) -> str:
        if self.server.refuse_rcpt:
            return self.server.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        if self.server.refuse_data:
            return self.server.refuse_data
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.server.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", free_port())
    server.start()
    yield server
    server.stop()


async def outbox(app: Any, to: str | None = None) -> list[MailMessage]:
    """Every message in the outbox table (with attachments), oldest first."""
    stmt = select(MailMessage).options(selectinload(MailMessage.attachments)).order_by(MailMessage.created_at)
    if to is not None:
        stmt = stmt.where(MailMessage.to_address == to)
    async with app.state.session_factory() as session:
        return list((await session.execute(stmt)).scalars())


async def only_message(app: Any, to: str) -> MailMessage:
    messages = await outbox(app, to)
    assert len(messages) == 1, [m.subject for m in messages]
    return messages[0]


def link_in(message: MailMessage, path: str) -> str:
    """The address in the message's text part that starts with the base URL and `path`."""
    found = re.search(rf"http://testserver{re.escape(path)}\S+", message.text_body)
    assert found, f"no {path} link in:\n{message.text_body}"
    assert found.group(0) in message.html_body.replace("&amp;", "&"), "the HTML part has another link"
    return found.group(0)
