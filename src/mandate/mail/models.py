"""The mail outbox: every message the platform writes, its attachments, and who wants which mail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mandate.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime


class MailKind(StrEnum):
    TRANSACTIONAL = "transactional"  # asked for by the recipient or needed for their account: always sent
    NOTIFICATION = "notification"  # optional: honours preferences and carries an unsubscribe link


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the recipient opted out of the category; never handed to a backend


class MailMessage(IdMixin, TimestampMixin, Base):
    """One email. Not tenant-scoped: password resets have no organization, and the dev mailbox
    is a staff page across all of them. `organization_id` says on whose behalf it went out."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_created", "created_at"),)

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(120))
    from_header: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    backend: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attachments: Mapped[list[MailAttachment]] = relationship(
        back_populates="message", lazy="raise", cascade="all, delete-orphan", order_by="MailAttachment.position"
    )


class MailAttachment(IdMixin, Base):
    """Small files (calendar invites, short PDFs) kept with the message so a retry sends the same bytes."""

    __tablename__ = "mail_attachments"

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[MailMessage] = relationship(back_populates="attachments", lazy="raise")


class NotificationPreference(IdMixin, TimestampMixin, Base):
    """A user's choice for one notification category; no row means the category's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "category"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # leads the unique key
    category: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column()
    changed_via: Mapped[str] = mapped_column(String(20), default="settings")
