"""Live updates for documents: the `document:<id>` channel and the `document.saved` event, so an
open editor learns that someone else saved a newer version."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.document import repository
from mandate.live import Listener, publish, register
from mandate.live.channels import name, parse_uuid

SAVED = "document.saved"


def document_channel(document_id: uuid.UUID) -> str:
    return name("document", document_id)


async def _authorise(session: AsyncSession, listener: Listener, resource_id: str) -> bool:
    """The document must be in the organization the listener acts in (the query is tenant-scoped)."""
    document_id = parse_uuid(resource_id)
    org = listener.org
    if document_id is None or org is None or not org.can(Permission.DOCUMENT_READ):
        return False
    return await repository.get_document(session, document_id) is not None


register("document", _authorise)


def announce_saved(
    session: AsyncSession, ctx: OrgContext, document_id: uuid.UUID, version: int, saved_at: datetime
) -> None:
    data = {
        "document_id": str(document_id),
        "version": version,
        "saved_at": saved_at.isoformat(),
        "author_id": str(ctx.user.id),
        "author": ctx.user.full_name,
    }
    publish(session, document_channel(document_id), SAVED, data)
