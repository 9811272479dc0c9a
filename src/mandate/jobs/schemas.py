from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mandate.jobs.models import JobStatus


class JobOut(BaseModel):
    job_id: uuid.UUID
    name: str
    status: JobStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(description="The last attempt's error, readable")
    result: dict[str, Any] | None
    download_url: str | None = Field(default=None, description="Short-lived link to the file the job produced")


class JobAccepted(BaseModel):
    """The answer to a request that starts long work: 202 with where to look."""

    job_id: uuid.UUID
    status: JobStatus
    poll_url: str


class StaffJobOut(JobOut):
    organization_id: uuid.UUID | None


class StaffJobList(BaseModel):
    counts: dict[str, int]
    items: list[StaffJobOut]
