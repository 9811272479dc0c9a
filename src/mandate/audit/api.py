from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from mandate.audit import repository
from mandate.audit.models import AuditEntry
from mandate.audit.repository import AuditFilter
from mandate.audit.schemas import AuditEntryOut, AuditList
from mandate.authz.dependencies import CurrentOrg
from mandate.authz.roles import Permission
from mandate.kit.errors import ValidationFailed, responses
from mandate.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, decode_time_cursor, encode_cursor
from mandate.kit.session import DbSession
from mandate.render.csvstream import csv_chunks

router = APIRouter(prefix="/api/audit", tags=["audit"])
CURSOR_SORT = "-created_at"


def entry_out(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=e.id,
        organization_id=e.organization_id,
        created_at=e.created_at,
        actor=e.actor_label,
        actor_user_id=e.actor_user_id,
        actor_token_id=e.actor_token_id,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        data=e.data,
        request_id=e.request_id,
        ip=e.ip,
    )


def audit_filter(
    action: Annotated[str | None, Query(max_length=80)] = None,
    actor: Annotated[str | None, Query(max_length=254)] = None,
    subject_type: Annotated[str | None, Query(max_length=40)] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilter:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed.field(name, "Include a timezone, e.g. 2026-12-01T00:00:00Z")
    if since and until and until <= since:
        raise ValidationFailed.field("until", "Must be after since")
    return AuditFilter(action, actor, subject_type, subject_id, since, until)


def page_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    return decode_time_cursor(cursor, sort=CURSOR_SORT) if cursor else None


def next_cursor(entries: list[AuditEntry], limit: int) -> str | None:
    if len(entries) <= limit:
        return None
    last = entries[limit - 1]
    return encode_cursor(Cursor(CURSOR_SORT, last.created_at.isoformat(), str(last.id)))


AuditFilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@dataclass(frozen=True)
class Paging:
    limit: int
    before: tuple[datetime, uuid.UUID] | None


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Paging:
    return Paging(limit, page_cursor(cursor))


PagingDep = Annotated[Paging, Depends(paging)]


def audit_page(entries: list[AuditEntry], limit: int) -> AuditList:
    """`entries` was fetched with limit + 1 so the extra row tells whether a next page exists."""
    return AuditList(items=[entry_out(e) for e in entries[:limit]], next_cursor=next_cursor(entries, limit))


@router.get("", response_model=AuditList, responses=responses(401, 403, 422))
async def list_audit(ctx: CurrentOrg, db: DbSession, flt: AuditFilterDep, paging: PagingDep) -> AuditList:
    ctx.require(Permission.AUDIT_READ)
    entries = await repository.list_entries(db, flt, limit=paging.limit + 1, before=paging.before)
    return audit_page(entries, paging.limit)


CSV_HEADER = ["time_utc", "actor", "action", "subject_type", "subject_id", "data", "request_id", "ip"]


def csv_row(e: AuditEntry) -> list[object]:
    return [
        e.created_at.isoformat(),
        e.actor_label,
        e.action,
        e.subject_type,
        e.subject_id,
        json.dumps(e.data, sort_keys=True),
        e.request_id,
        e.ip,
    ]


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV of the filtered log"},
        **responses(401, 403, 422),
    },
)
async def export_audit(ctx: CurrentOrg, db: DbSession, flt: AuditFilterDep) -> StreamingResponse:
    ctx.require(Permission.AUDIT_READ)
    entries = await repository.export_entries(db, flt)
    filename = f"audit-{ctx.organization.slug}.csv"
    return StreamingResponse(
        csv_chunks(CSV_HEADER, (csv_row(e) for e in entries)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
