from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mandate.deal.models import Stage


class MoneyIn(BaseModel):
    amount_minor: int = Field(ge=0, le=10**17, description="Integer minor units, e.g. pence")
    currency: str = Field(default="GBP", min_length=3, max_length=3, examples=["GBP"])


class MoneyOut(MoneyIn):
    display: str


class DealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=160)
    target_company: str = Field(min_length=1, max_length=160)
    industry: str | None = Field(default=None, max_length=80)
    deal_size: MoneyIn | None = None
    stage: Stage = Stage.SOURCING
    owner_id: uuid.UUID | None = Field(default=None, description="A member; defaults to you")
    description: str = Field(default="", max_length=20_000)
    expected_close: date | None = None


class DealUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=160)
    target_company: str | None = Field(default=None, min_length=1, max_length=160)
    industry: str | None = Field(default=None, max_length=80)
    deal_size: MoneyIn | None = None
    stage: Stage | None = None
    owner_id: uuid.UUID | None = None
    description: str | None = Field(default=None, max_length=20_000)
    expected_close: date | None = None


class OwnerOut(BaseModel):
    id: uuid.UUID
    full_name: str
    email: str


class DealOut(BaseModel):
    id: uuid.UUID
    name: str
    target_company: str
    industry: str | None
    deal_size: MoneyOut | None
    stage: Stage
    owner: OwnerOut | None
    description: str
    expected_close: date | None
    archived: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DealList(BaseModel):
    items: list[DealOut]
    next_cursor: str | None


class DealSort(StrEnum):
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"
    NAME = "name"
    NAME_DESC = "-name"
    EXPECTED_CLOSE = "expected_close"
    EXPECTED_CLOSE_DESC = "-expected_close"
    SIZE = "deal_size"
    SIZE_DESC = "-deal_size"


class HistoryEntry(BaseModel):
    id: uuid.UUID
    action: str
    actor: str
    data: dict[str, object]
    created_at: datetime


class DealHistory(BaseModel):
    items: list[HistoryEntry]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def content_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DealExportRequest(BaseModel):
    """Which deals go in the file: the same filters as the list."""

    model_config = ConfigDict(extra="forbid")

    format: ExportFormat = ExportFormat.CSV
    stage: Stage | None = None
    owner_id: uuid.UUID | None = None
    q: str | None = Field(default=None, max_length=100)
    archived: bool = False
