"""Every mail query. Mail is not tenant-scoped (see models), so nothing here needs `unscoped`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mandate.mail.models import MailAttachment, MailMessage, NotificationPreference


async def message_with_attachments(session: AsyncSession, message_id: uuid.UUID) -> MailMessage | None:
    stmt = select(MailMessage).where(MailMessage.id == message_id).options(selectinload(MailMessage.attachments))
    return (await session.execute(stmt)).scalar_one_or_none()


async def messages(
    session: AsyncSession, *, to: str | None, limit: int, before: tuple[datetime, uuid.UUID] | None = None
) -> list[MailMessage]:
    """Newest first; `before` is the (created_at, id) of the last row of the previous page."""
    stmt = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc()).limit(limit)
    if to:
        stmt = stmt.where(MailMessage.to_address.icontains(to, autoescape=True))
    if before is not None:
        created, last_id = before
        stmt = stmt.where(
            (MailMessage.created_at < created) | ((MailMessage.created_at == created) & (MailMessage.id < last_id))
        )
    return list((await session.execute(stmt)).scalars())


async def attachment(session: AsyncSession, message_id: uuid.UUID, attachment_id: uuid.UUID) -> MailAttachment | None:
    stmt = select(MailAttachment).where(MailAttachment.id == attachment_id, MailAttachment.message_id == message_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def preferences(session: AsyncSession, user_id: uuid.UUID) -> list[NotificationPreference]:
    stmt = select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    return list((await session.execute(stmt)).scalars())


async def preference(session: AsyncSession, user_id: uuid.UUID, category: str) -> NotificationPreference | None:
    stmt = select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.category == category
    )
    return (await session.execute(stmt)).scalar_one_or_none()
