"""Reads of the audit trail; writes live in service.record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.models import AuditEntry
from mandate.kit.tenancy import unscoped


@dataclass
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    organization_id: uuid.UUID | None = None


def _filtered(flt: AuditFilter) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    if flt.action:
        # "deal" matches every deal.* action; "deal.created" matches exactly.
        stmt = stmt.where((AuditEntry.action == flt.action) | AuditEntry.action.like(f"{flt.action}.%"))
    if flt.actor:
        stmt = stmt.where(AuditEntry.actor_label.icontains(flt.actor, autoescape=True))
    if flt.subject_type:
        stmt = stmt.where(AuditEntry.subject_type == flt.subject_type)
    if flt.subject_id:
        stmt = stmt.where(AuditEntry.subject_id == flt.subject_id)
    if flt.since:
        stmt = stmt.where(AuditEntry.created_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEntry.created_at < flt.until)
    if flt.organization_id:
        stmt = stmt.where(AuditEntry.organization_id == flt.organization_id)
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


async def list_entries(
    session: AsyncSession, flt: AuditFilter, *, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[AuditEntry]:
    stmt = _filtered(flt)
    if before:
        at, entry_id = before
        stmt = stmt.where((AuditEntry.created_at < at) | ((AuditEntry.created_at == at) & (AuditEntry.id < entry_id)))
    return list((await session.execute(stmt.limit(limit))).scalars())


async def list_all_orgs(
    session: AsyncSession, flt: AuditFilter, *, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[AuditEntry]:
    """Staff only: the whole platform's trail."""
    with unscoped(session):
        return await list_entries(session, flt, limit=limit, before=before)


EXPORT_MAX_ROWS = 100_000


async def export_entries(session: AsyncSession, flt: AuditFilter) -> list[AuditEntry]:
    return list((await session.execute(_filtered(flt).limit(EXPORT_MAX_ROWS))).scalars())


async def for_subject(session: AsyncSession, subject_type: str, subject_id: str) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars())


async def facets(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The distinct action codes and subject types in the current organization's log (filter menus)."""
    actions = await session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    subjects = await session.execute(select(AuditEntry.subject_type).distinct().order_by(AuditEntry.subject_type))
    return list(actions.scalars()), list(subjects.scalars())
