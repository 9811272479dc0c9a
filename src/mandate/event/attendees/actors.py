"""Who changed an attendee: an organizer (with their org context), the attendee themself, or the system."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record, record_raw
from mandate.authz.context import OrgContext
from mandate.event.models import Attendee, AttendeeHistory

ATTENDEE = "attendee"
SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    ctx: OrgContext | None = None
    label: str = SYSTEM

    @classmethod
    def organizer(cls, ctx: OrgContext) -> Actor:
        return cls(ctx=ctx, label=ctx.actor_label)

    @property
    def is_organizer(self) -> bool:
        return self.ctx is not None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.ctx.user.id if self.ctx else None


SYSTEM_ACTOR = Actor()
ATTENDEE_ACTOR = Actor(label=ATTENDEE)


def audit(session: AsyncSession, actor: Actor, attendee: Attendee, action: str, data: dict[str, Any]) -> None:
    payload = {"event_id": str(attendee.event_id), **data}
    if actor.ctx is not None:
        record(session, actor.ctx, action, "attendee", attendee.id, payload)
        return
    record_raw(
        session,
        organization_id=attendee.organization_id,
        actor_label=actor.label,
        action=action,
        subject_type="attendee",
        subject_id=attendee.id,
        data=payload,
    )


def write_history(
    session: AsyncSession,
    actor: Actor,
    attendee: Attendee,
    *,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    session.add(
        AttendeeHistory(
            organization_id=attendee.organization_id,
            attendee_id=attendee.id,
            event_id=attendee.event_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            changes=changes or {},
            actor_id=actor.user_id,
            actor_label=actor.label if actor.ctx is None else "organizer",
            reason=reason[:500],
        )
    )
