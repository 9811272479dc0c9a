from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mandate.document.models import DocumentStatus, RevisionKind

MAX_CONTENT = 500_000


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200, description="Defaults from the template and deal")
    deal_id: uuid.UUID | None = None
    content: str = Field(default="", max_length=MAX_CONTENT, description="Markdown; ignored with a template")
    template_id: uuid.UUID | None = Field(default=None, description="Start from this template, filled in")
    variables: dict[str, Any] = Field(default_factory=dict, max_length=100, description="The template's variables")


class DocumentUpdate(BaseModel):
    """Metadata only; `status` final finalises, draft reopens. Content goes through the save route."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    deal_id: uuid.UUID | None = Field(default=None, description="null unlinks the deal")
    status: DocumentStatus | None = None


class ContentSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(max_length=MAX_CONTENT, description="Markdown")
    base_version: int = Field(ge=1, description="The version this edit started from")


class SaveResult(BaseModel):
    version: int
    saved_at: datetime


class DocumentSummaryOut(BaseModel):
    id: uuid.UUID
    title: str
    deal_id: uuid.UUID | None
    template_id: uuid.UUID | None
    status: DocumentStatus
    version: int
    created_by_id: uuid.UUID | None
    updated_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    finalized_at: datetime | None


class DocumentOut(DocumentSummaryOut):
    content: str


class DocumentList(BaseModel):
    items: list[DocumentSummaryOut]
    next_cursor: str | None


class RevisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=120, description="A name for this version")


class RevisionOut(BaseModel):
    id: uuid.UUID
    document_id: uuid.UUID
    version: int
    title: str
    label: str | None
    kind: RevisionKind
    created_by_id: uuid.UUID | None
    created_by: str | None = Field(description="The author's name")
    created_at: datetime
    content: str | None = Field(default=None, description="Only with include_content=true")


class RevisionList(BaseModel):
    items: list[RevisionOut]
