"""Notification preferences of the caller: `GET|PATCH /api/me/notifications`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.dependencies import CurrentCaller, MaybeResolved, Resolved
from mandate.kit.errors import responses
from mandate.kit.session import DbSession
from mandate.mail.preferences import preferences_of, update_preferences

router = APIRouter(prefix="/api", tags=["notifications"])


class NotificationPreferences(BaseModel):
    """Whether you get each kind of optional email. Security and account mail always goes."""

    product_updates: bool
    event_reminders: bool
    community_digests: bool


class NotificationPreferencesPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_updates: bool | None = Field(default=None)
    event_reminders: bool | None = Field(default=None)
    community_digests: bool | None = Field(default=None)


def _audit(db: DbSession, resolved: Resolved | None, changed: dict[str, list[bool]]) -> None:
    """Like other account changes: in the active organization's log, when there is one."""
    if not changed or resolved is None or resolved.organization is None or resolved.role is None:
        return
    ctx = OrgContext(resolved.user, resolved.organization, resolved.role, resolved.session, resolved.token)
    record(db, ctx, "account.notifications_updated", "user", resolved.user.id, changed)


@router.get("/me/notifications", response_model=NotificationPreferences, responses=responses(401, 403))
async def get_notifications(caller: CurrentCaller, db: DbSession) -> Any:
    return await preferences_of(db, caller.user.id)


@router.patch("/me/notifications", response_model=NotificationPreferences, responses=responses(401, 403, 409, 422))
async def update_notifications(
    body: NotificationPreferencesPatch, caller: CurrentCaller, resolved: MaybeResolved, db: DbSession
) -> Any:
    """Only the categories you send change; works without an organization too."""
    changes = {key: value for key, value in body.model_dump().items() if value is not None}
    changed = await update_preferences(db, caller.user.id, changes, via="api")
    _audit(db, resolved, changed)
    return await preferences_of(db, caller.user.id)
