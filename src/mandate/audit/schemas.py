from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    created_at: datetime
    actor: str
    actor_user_id: uuid.UUID | None
    actor_token_id: uuid.UUID | None
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    request_id: str | None
    ip: str | None


class AuditList(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
