from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from mandate.kit.db import Base, IdMixin, UTCDateTime, utcnow
from mandate.kit.tenancy import TenantMixin


class ExportFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    MD = "md"
    HTML = "html"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_CONTENT_TYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.MD: "text/markdown; charset=utf-8",
    ExportFormat.HTML: "text/html; charset=utf-8",
}
_LABELS = {
    ExportFormat.PDF: "PDF",
    ExportFormat.DOCX: "Word (DOCX)",
    ExportFormat.MD: "Markdown",
    ExportFormat.HTML: "HTML",
}


# Deleting a document queues the deletion of its stored export files.
DELETE_FILES_JOB = "document.delete_export_files"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def is_pending(self) -> bool:
        return self in (ExportStatus.QUEUED, ExportStatus.RUNNING)


class DocumentExport(IdMixin, TenantMixin, Base):
    """One file of one version of a document. Title and content are copied at request time, so
    edits made while the export waits (or before a retry) never change the file."""

    __tablename__ = "document_exports"
    __table_args__ = (
        Index("ix_document_exports_doc_created", "document_id", "created_at"),
        Index("ix_document_exports_org_created", "organization_id", "created_at"),
        Index("ix_document_exports_status_expires", "status", "expires_at"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    format: Mapped[str] = mapped_column(String(8))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.QUEUED.value)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str | None] = mapped_column(String(512))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(40))
    retry_of: Mapped[uuid.UUID | None] = mapped_column(Uuid())  # the failed export's job id

    @property
    def export_format(self) -> ExportFormat:
        return ExportFormat(self.format)

    @property
    def export_status(self) -> ExportStatus:
        return ExportStatus(self.status)

    def is_expired(self, now: datetime) -> bool:
        if self.status == ExportStatus.EXPIRED.value:
            return True
        return self.status == ExportStatus.SUCCEEDED.value and self.expires_at is not None and self.expires_at <= now
