"""Every query on documents and their revisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.deal.models import Deal
from mandate.document.models import Document, DocumentRevision, DocumentStatus
from mandate.kit.pagination import Page, decode_time_cursor, time_page

_SORT = "-updated_at"


@dataclass
class DocumentFilter:
    deal_id: uuid.UUID | None = None
    q: str | None = None
    status: str | None = None


async def get_document(session: AsyncSession, document_id: uuid.UUID, *, fresh: bool = False) -> Document | None:
    stmt = select(Document).where(Document.id == document_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_documents(
    session: AsyncSession, flt: DocumentFilter, *, limit: int, cursor: str | None
) -> Page[Document]:
    """Newest change first; keyset on (updated_at, id)."""
    stmt = select(Document)
    if flt.deal_id:
        stmt = stmt.where(Document.deal_id == flt.deal_id)
    if flt.status:
        stmt = stmt.where(Document.status == flt.status)
    if flt.q:
        stmt = stmt.where(func.lower(Document.title).contains(flt.q.lower(), autoescape=True))
    if cursor:
        moment, last_id = decode_time_cursor(cursor, sort=_SORT)
        stmt = stmt.where(or_(Document.updated_at < moment, and_(Document.updated_at == moment, Document.id < last_id)))
    stmt = stmt.order_by(Document.updated_at.desc(), Document.id.desc()).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    return time_page(rows, limit, sort=_SORT, moment=lambda r: r.updated_at, row_id=lambda r: r.id)


async def save_content(
    session: AsyncSession,
    document_id: uuid.UUID,
    *,
    base_version: int,
    content: str,
    user_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Compare-and-set on the version: of two saves from the same base only one matches a row.
    PostgreSQL re-checks the WHERE after the row lock; SQLite serialises writers."""
    stmt = (
        update(Document)
        .where(
            Document.id == document_id,
            Document.version == base_version,
            Document.status == DocumentStatus.DRAFT.value,
        )
        .values(content=content, version=base_version + 1, updated_by_id=user_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult[Any] = await session.execute(stmt)  # type: ignore[assignment]
    return result.rowcount == 1


async def last_revision_at(session: AsyncSession, document_id: uuid.UUID) -> datetime | None:
    stmt = select(func.max(DocumentRevision.created_at)).where(DocumentRevision.document_id == document_id)
    value: datetime | None = await session.scalar(stmt)
    return value


async def get_revision(
    session: AsyncSession, document_id: uuid.UUID, revision_id: uuid.UUID
) -> DocumentRevision | None:
    stmt = select(DocumentRevision).where(
        DocumentRevision.id == revision_id, DocumentRevision.document_id == document_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_revisions(
    session: AsyncSession, document_id: uuid.UUID, *, limit: int
) -> list[tuple[DocumentRevision, str | None]]:
    """Newest first, each with its author's name."""
    stmt = (
        select(DocumentRevision, User.full_name)
        .outerjoin(User, User.id == DocumentRevision.created_by_id)
        .where(DocumentRevision.document_id == document_id)
        .order_by(DocumentRevision.created_at.desc(), DocumentRevision.version.desc(), DocumentRevision.id.desc())
        .limit(limit)
    )
    return [(rev, name) for rev, name in (await session.execute(stmt)).all()]


async def user_name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    name: str | None = await session.scalar(select(User.full_name).where(User.id == user_id))
    return name


async def deal_names(session: AsyncSession, deal_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the deals documents link to, for lists (one query)."""
    if not deal_ids:
        return {}
    stmt = select(Deal.id, Deal.name).where(Deal.id.in_(deal_ids))
    return {row.id: row.name for row in (await session.execute(stmt)).all()}


async def deal_options(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Deals a document can be written for: not archived, by name."""
    stmt = select(Deal.id, Deal.name).where(Deal.archived_at.is_(None)).order_by(Deal.name, Deal.id)
    return [(row.id, row.name) for row in (await session.execute(stmt)).all()]
