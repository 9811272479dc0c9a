from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mandate.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime
from mandate.kit.tenancy import TenantMixin

if TYPE_CHECKING:
    from mandate.account.models import User


class Stage(StrEnum):
    SOURCING = "sourcing"
    SCREENING = "screening"
    DUE_DILIGENCE = "due_diligence"
    NEGOTIATION = "negotiation"
    CLOSING = "closing"
    WON = "won"
    LOST = "lost"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STAGES


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST})
STAGE_ORDER = list(Stage)


class Deal(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_org_stage", "organization_id", "stage"),)

    name: Mapped[str] = mapped_column(String(160))
    target_company: Mapped[str] = mapped_column(String(160))
    industry: Mapped[str | None] = mapped_column(String(80))
    deal_size_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    stage: Mapped[str] = mapped_column(String(20), default=Stage.SOURCING.value)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    expected_close: Mapped[date | None] = mapped_column()
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User | None] = relationship("User", lazy="raise")

    @property
    def archived(self) -> bool:
        return self.archived_at is not None
