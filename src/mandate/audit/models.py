from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mandate.kit.db import Base, IdMixin, UTCDateTime, utcnow
from mandate.kit.tenancy import TenantMixin


class AuditEntry(IdMixin, TenantMixin, Base):
    """Append-only: nothing in the code base updates or deletes these rows."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_org_created", "organization_id", "created_at"),
        Index("ix_audit_entries_subject", "subject_type", "subject_id"),
    )

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_token_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
