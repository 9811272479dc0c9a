"""Writing mail: render both parts, store the message in the outbox and enqueue its delivery.

`compose` runs in the caller's transaction, so a message exists (and is sent) only if the
business change that caused it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.config import Settings
from mandate.jobs import enqueue
from mandate.kit.logging import get_logger
from mandate.mail.categories import get_category
from mandate.mail.links import preferences_url, unsubscribe_url
from mandate.mail.models import MailAttachment, MailKind, MailMessage, MailStatus
from mandate.mail.preferences import wants
from mandate.mail.render import render
from mandate.runtime import runtime_of

log = get_logger(__name__)
SEND_JOB = "mail.send"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # in the database and in every retry: keep attachments small


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    @classmethod
    def calendar(cls, filename: str, ics: bytes | str, *, method: str = "REQUEST") -> Attachment:
        data = ics.encode() if isinstance(ics, str) else ics
        return cls(filename, data, f"text/calendar; method={method}; charset=utf-8")

    @classmethod
    def pdf(cls, filename: str, data: bytes) -> Attachment:
        return cls(filename, data, "application/pdf")


def _address(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"cannot send mail to {raw!r}: {exc}") from exc


def _one_line(value: str | None, limit: int) -> str | None:
    cleaned = " ".join((value or "").split())[:limit]
    return cleaned or None


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _one_line(base, 200) or "attachment"


def _attachments(items: Sequence[Attachment]) -> list[MailAttachment]:
    if sum(len(a.content) for a in items) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"attachments exceed {MAX_ATTACHMENT_BYTES} bytes; link to large files instead")
    return [
        MailAttachment(
            position=n,
            filename=_safe_filename(a.filename),
            content_type=_one_line(a.content_type, 200) or "application/octet-stream",
            size=len(a.content),
            content=a.content,
        )
        for n, a in enumerate(items)
    ]


def _list_headers(
    settings: Settings, kind: MailKind, category: str | None, user_id: uuid.UUID | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and layout variables: notifications carry a one-click unsubscribe link."""
    headers = {"Auto-Submitted": "auto-generated"}
    layout: dict[str, Any] = {"unsubscribe_url": None, "category_label": None}
    if kind is MailKind.TRANSACTIONAL:
        if category is not None:
            raise ValueError("transactional mail has no category: it always goes")
        return headers, layout
    if category is None or user_id is None:
        raise ValueError("a notification needs a category and the recipient's user_id")
    url = unsubscribe_url(settings, user_id, category)
    headers["List-Unsubscribe"] = f"<{url}>"
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    layout.update(unsubscribe_url=url, category_label=get_category(category).label)
    return headers, layout


async def compose(
    session: AsyncSession,
    *,
    template: str,
    to: str,
    context: Mapping[str, Any] | None = None,
    to_name: str | None = None,
    attachments: Sequence[Attachment] = (),
    kind: MailKind = MailKind.TRANSACTIONAL,
    category: str | None = None,
    user_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
) -> MailMessage:
    """Render `template`, write the message and enqueue its delivery, all in the caller's transaction.

    A notification to a user who turned its category off is recorded with status `skipped`
    and never sent.
    """
    settings = runtime_of(session).settings
    headers, layout = _list_headers(settings, kind, category, user_id)
    variables = {
        **(context or {}),
        **layout,
        "base_url": settings.base_url,
        "preferences_url": preferences_url(settings),
    }
    rendered = render(template, variables)
    message = MailMessage(
        id=uuid.uuid4(),
        organization_id=organization_id,
        user_id=user_id,
        kind=kind.value,
        category=category,
        template=template,
        from_header=settings.mail_from,
        to_address=_address(to),
        to_name=_one_line(to_name, 120),
        subject=rendered.subject[:300],
        text_body=rendered.text,
        html_body=rendered.html,
        headers=headers,
        message_id=make_msgid(domain=parseaddr(settings.mail_from)[1].rpartition("@")[2]),
        status=MailStatus.QUEUED.value,
        attempts=0,
    )
    opted_out = False
    if kind is MailKind.NOTIFICATION and user_id is not None and category is not None:
        opted_out = not await wants(session, user_id, category)
    if opted_out:
        message.status = MailStatus.SKIPPED.value  # kept without attachments: a record, not a copy
        message.attachments = []
    else:
        message.attachments = _attachments(attachments)
    session.add(message)
    await session.flush()
    if not opted_out:
        enqueue(session, SEND_JOB, {"message_id": str(message.id)}, organization_id=organization_id)
    log.info("mail_composed", template=template, kind=kind.value, status=message.status, message=str(message.id))
    return message
