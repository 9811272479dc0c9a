"""Every query on document exports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.document.exports.models import DocumentExport, ExportStatus
from mandate.kit.pagination import Page, decode_time_cursor, time_page

_SORT = "-created_at"
PENDING = (ExportStatus.QUEUED.value, ExportStatus.RUNNING.value)


async def get_by_job(session: AsyncSession, job_id: uuid.UUID) -> DocumentExport | None:
    return await session.scalar(select(DocumentExport).where(DocumentExport.job_id == job_id))


async def list_for_document(
    session: AsyncSession, document_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[DocumentExport]:
    """Newest first; keyset on (created_at, id)."""
    stmt = select(DocumentExport).where(DocumentExport.document_id == document_id)
    if cursor:
        moment, last_id = decode_time_cursor(cursor, sort=_SORT)
        older = DocumentExport.created_at < moment
        stmt = stmt.where(or_(older, and_(DocumentExport.created_at == moment, DocumentExport.id < last_id)))
    stmt = stmt.order_by(DocumentExport.created_at.desc(), DocumentExport.id.desc()).limit(limit + 1)
    rows = list((await session.scalars(stmt)).all())
    return time_page(rows, limit, sort=_SORT, moment=lambda r: r.created_at, row_id=lambda r: r.id)


async def count_in_month(
    session: AsyncSession, start: datetime, end: datetime, *, before: DocumentExport | None = None
) -> int:
    """Exports of the organization in scope created in [start, end), failed ones not counted;
    with `before`, only those created ahead of that export (its place in the month's queue)."""
    stmt = select(func.count(DocumentExport.id)).where(
        DocumentExport.created_at >= start,
        DocumentExport.created_at < end,
        DocumentExport.status != ExportStatus.FAILED.value,
    )
    if before is not None:
        earlier = DocumentExport.created_at < before.created_at
        tie = and_(DocumentExport.created_at == before.created_at, DocumentExport.id < before.id)
        stmt = stmt.where(or_(earlier, tie))
    return int(await session.scalar(stmt) or 0)


async def mark_running(session: AsyncSession, export_id: uuid.UUID, now: datetime) -> bool:
    """Queued (or running again after a lost worker) -> running; never moves a finished export back."""
    done = await session.execute(
        update(DocumentExport)
        .where(DocumentExport.id == export_id, DocumentExport.status.in_(PENDING))
        .values(status=ExportStatus.RUNNING.value, started_at=now)
    )
    return bool(getattr(done, "rowcount", 0) == 1)


def _expired(now: datetime) -> ColumnElement[bool]:
    return and_(DocumentExport.status == ExportStatus.SUCCEEDED.value, DocumentExport.expires_at <= now)


async def has_expired(session: AsyncSession, now: datetime) -> bool:
    """Across organizations: the caller lifts tenant scoping."""
    return await session.scalar(select(DocumentExport.id).where(_expired(now)).limit(1)) is not None


async def expired(session: AsyncSession, now: datetime, *, limit: int) -> Sequence[DocumentExport]:
    """Across organizations, oldest first: the caller lifts tenant scoping."""
    stmt = select(DocumentExport).where(_expired(now)).order_by(DocumentExport.expires_at).limit(limit)
    return (await session.scalars(stmt.with_for_update(skip_locked=True))).all()


async def stored_keys(session: AsyncSession, document_id: uuid.UUID) -> list[str]:
    stmt = select(DocumentExport.storage_key).where(
        DocumentExport.document_id == document_id, DocumentExport.storage_key.is_not(None)
    )
    return [key for key in (await session.scalars(stmt)) if key]
