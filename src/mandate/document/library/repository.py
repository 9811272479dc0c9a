"""Every query on document templates. No TenantMixin here (built-ins have no organization), so each
query names the organization itself: built-ins or the caller's own rows, nothing else."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.document.library import builtins
from mandate.document.library.models import DocumentTemplate

_T = DocumentTemplate


def _visible(organization_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(_T.organization_id.is_(None), _T.organization_id == organization_id)


async def list_visible(
    session: AsyncSession, organization_id: uuid.UUID, *, category: str | None = None, status: str | None = None
) -> list[DocumentTemplate]:
    stmt = select(_T).where(_visible(organization_id)).order_by(_T.organization_id.is_not(None), _T.name, _T.id)
    rows = list((await session.scalars(stmt)).all())
    if not builtins.is_current(rows):
        await builtins.sync(session)
        rows = list((await session.scalars(stmt.execution_options(populate_existing=True))).all())
    return [r for r in rows if (category is None or r.category == category) and (status is None or r.status == status)]


async def get_visible(
    session: AsyncSession, organization_id: uuid.UUID, template_id: uuid.UUID
) -> DocumentTemplate | None:
    stmt = select(_T).where(_T.id == template_id, _visible(organization_id))
    row = (await session.scalars(stmt)).one_or_none()
    item = builtins.catalogue().get(template_id)
    if item is not None and (row is None or row.source_digest != item.digest):
        await builtins.sync(session)
        row = (await session.scalars(stmt.execution_options(populate_existing=True))).one_or_none()
    return row


async def key_taken(session: AsyncSession, organization_id: uuid.UUID, key: str) -> bool:
    stmt = select(_T.id).where(_T.organization_id == organization_id, _T.key == key)
    return (await session.scalars(stmt)).first() is not None
