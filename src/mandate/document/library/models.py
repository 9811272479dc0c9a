"""Document templates. Built-ins have no organization (NULL) and are visible to every organization;
the table cannot use TenantMixin because of those rows, so every query filters explicitly."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mandate.kit.db import Base, IdMixin, TimestampMixin


class Category(StrEnum):
    NDA = "nda"
    LOI = "loi"
    TERM_SHEET = "term_sheet"
    ENGAGEMENT = "engagement"
    MEMO = "memo"
    OTHER = "other"


class TemplateStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class DocumentTemplate(IdMixin, TimestampMixin, Base):
    __tablename__ = "document_templates"
    __table_args__ = (
        UniqueConstraint("organization_id", "key"),
        Index("ix_document_templates_org_status", "organization_id", "status"),
    )

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default=Category.OTHER.value)
    body: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=TemplateStatus.DRAFT.value)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Built-ins only: a digest of the source file, so a changed file is synced into its row.
    source_digest: Mapped[str | None] = mapped_column(String(64))

    @property
    def builtin(self) -> bool:
        return self.organization_id is None
