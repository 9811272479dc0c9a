from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mandate.document.library.models import Category, TemplateStatus


class VariableType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    CHOICE = "choice"


class VariableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="An identifier: `variables.<name>` in the body")
    label: str = Field(min_length=1, max_length=160)
    type: VariableType = VariableType.TEXT
    required: bool = False
    default: str | None = Field(default=None, max_length=2000)
    choices: list[str] = Field(default_factory=list, max_length=50)


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, max_length=64, description="Slug; derived from the name when omitted")
    name: str = Field(min_length=1, max_length=160)
    description: str = Field(default="", max_length=2000)
    category: Category = Category.OTHER
    body: str = Field(default="", max_length=100_000, description="Markdown with merge fields")
    variables: list[VariableSpec] = Field(default_factory=list, max_length=100)
    status: TemplateStatus = TemplateStatus.DRAFT


class TemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=160)
    description: str | None = Field(default=None, max_length=2000)
    category: Category | None = None
    body: str | None = Field(default=None, max_length=100_000)
    variables: list[VariableSpec] | None = Field(default=None, max_length=100)
    status: TemplateStatus | None = None


class TemplateOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    description: str
    category: Category
    body: str
    variables: list[VariableSpec]
    status: TemplateStatus
    builtin: bool
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class TemplateList(BaseModel):
    items: list[TemplateOut]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variables: dict[str, Any] = Field(default_factory=dict, max_length=100)
    deal_id: uuid.UUID | None = None


class PreviewOut(BaseModel):
    markdown: str
    html: str
    missing: list[str] = Field(description="Optional variables left without a value (rendered empty)")
