"""Where mail goes: `outbox` keeps it in the database (the dev mailbox shows it); `smtp` delivers it.

An SMTP connection is opened per message: job threads run their own event loops, and a
connection kept from another loop (or from startup) cannot be used there.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from mandate.config import Settings


class DeliveryError(Exception):
    """A delivery that did not happen. Permanent ones (5xx) will not succeed on a retry."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailBackend(Protocol):
    name: str

    async def deliver(self, mime: EmailMessage) -> None: ...


class OutboxBackend:
    """Nothing leaves the machine: the stored message is the delivery."""

    name = "outbox"

    async def deliver(self, mime: EmailMessage) -> None:
        return None


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def _reply(code: int, text: str) -> str:
    return f"{code} {' '.join(text.split())}".strip()


class SmtpBackend:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    async def deliver(self, mime: EmailMessage) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                mime,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            replies = "; ".join(f"{r.recipient}: {_reply(r.code, r.message)}" for r in exc.recipients)
            permanent = all(_permanent(r.code) for r in exc.recipients)
            raise DeliveryError(f"The mail server refused the recipient ({replies})", permanent=permanent) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:  # our configuration, not the message: retry after a fix
            reply = _reply(exc.code, exc.message)
            raise DeliveryError(f"The mail server refused our login: {reply}", permanent=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            verb = "rejected" if _permanent(exc.code) else "deferred"
            reply = _reply(exc.code, exc.message)
            raise DeliveryError(f"The mail server {verb} the message: {reply}", permanent=_permanent(exc.code)) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise DeliveryError(f"Could not deliver through {self.where}: {detail}", permanent=False) from exc


def backend_for(settings: Settings) -> MailBackend:
    return SmtpBackend(settings) if settings.mail_backend == "smtp" else OutboxBackend()
