from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from mandate.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow
from mandate.kit.tenancy import TenantMixin


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class RevisionKind(StrEnum):
    AUTOSAVE = "autosave"
    NAMED = "named"
    RESTORE = "restore"


class Document(IdMixin, TimestampMixin, TenantMixin, Base):
    """A Markdown document; `version` counts content saves and guards them against lost updates."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_org_updated", "organization_id", "updated_at"),)

    title: Mapped[str] = mapped_column(String(200))
    deal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"), index=True)
    # Wired to the template library later; no foreign key until that table exists.
    template_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_final(self) -> bool:
        return self.status == DocumentStatus.FINAL.value


class DocumentRevision(IdMixin, TenantMixin, Base):
    """A snapshot of a document's content; appended, never edited."""

    __tablename__ = "document_revisions"
    __table_args__ = (Index("ix_document_revisions_doc_created", "document_id", "created_at"),)

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
