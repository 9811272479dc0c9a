"""Writes the audit trail in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.models import AuditEntry
from mandate.authz.context import OrgContext
from mandate.kit.context import client_ip_var, request_id_var


def record_raw(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    actor_label: str,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    data: dict[str, Any] | None = None,
    actor_user_id: uuid.UUID | None = None,
    actor_token_id: uuid.UUID | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        organization_id=organization_id,
        actor_user_id=actor_user_id,
        actor_token_id=actor_token_id,
        actor_label=actor_label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=data or {},
        request_id=request_id_var.get(),
        ip=client_ip_var.get(),
    )
    session.add(entry)
    return entry


def record(
    session: AsyncSession,
    ctx: OrgContext,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return record_raw(
        session,
        organization_id=ctx.organization.id,
        actor_label=ctx.actor_label,
        actor_user_id=ctx.user.id,
        actor_token_id=ctx.token.id if ctx.token else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
    )
