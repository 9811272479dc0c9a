"""A stored message as MIME: multipart/alternative (text, HTML), wrapped in multipart/mixed with attachments."""

from __future__ import annotations

from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from mandate.mail.models import MailAttachment, MailMessage


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    parsed = Message()
    parsed["Content-Type"] = value
    params = {k: v for k, v in parsed.get_params(failobj=[])[1:] if isinstance(v, str)}
    return parsed.get_content_maintype(), parsed.get_content_subtype(), params


def _attach(mime: EmailMessage, attachment: MailAttachment) -> None:
    maintype, subtype, params = _content_type(attachment.content_type)
    mime.add_attachment(
        attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename, params=params
    )


def build_mime(message: MailMessage) -> EmailMessage:
    """Needs `message.attachments` loaded. Date and Message-ID are fixed at compose time, so a
    retried delivery is the same message."""
    mime = EmailMessage()
    mime["From"] = message.from_header
    mime["To"] = formataddr((message.to_name or "", message.to_address))
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        mime[name] = value
    mime.set_content(message.text_body)
    mime.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        _attach(mime, attachment)
    return mime


def as_eml(message: MailMessage) -> bytes:
    return build_mime(message).as_bytes(policy=SMTP)
