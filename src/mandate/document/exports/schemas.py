from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mandate.document.exports.models import ExportFormat, ExportStatus
from mandate.render.page import PageSize


class ExportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_size: PageSize = Field(default=PageSize.A4, description="Paper for PDF and DOCX")
    cover_page: bool = Field(default=False, description="The title alone on a first page (PDF, DOCX, HTML)")


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: ExportFormat
    options: ExportOptions = Field(default_factory=ExportOptions)


class ExportOut(BaseModel):
    job_id: uuid.UUID
    document_id: uuid.UUID
    format: ExportFormat
    options: ExportOptions
    document_version: int = Field(description="The version the file was made from")
    title: str = Field(description="The document's title when the export was requested")
    status: ExportStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the file is deleted (7 days after it was made)")
    size_bytes: int | None
    filename: str | None
    download_url: str | None = Field(description="Short-lived signed link; only while the file exists")
    error: str | None = Field(description="Why the export failed, readable")
    error_code: str | None = Field(description="entitlement_required, limit_reached or export_failed")
    retry_of: uuid.UUID | None = Field(default=None, description="The failed export's job this one retries")


class ExportList(BaseModel):
    items: list[ExportOut]
    next_cursor: str | None
