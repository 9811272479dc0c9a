"""Which notification categories a user receives. Transactional mail ignores all of this."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.errors import Conflict
from mandate.mail import repository
from mandate.mail.categories import CATEGORIES, CATEGORIES_BY_KEY, get_category
from mandate.mail.models import NotificationPreference


async def preferences_of(session: AsyncSession, user_id: uuid.UUID) -> dict[str, bool]:
    """Every category with the user's choice, or its default when they never chose."""
    chosen = {p.category: p.enabled for p in await repository.preferences(session, user_id)}
    return {c.key: chosen.get(c.key, c.default) for c in CATEGORIES}


async def wants(session: AsyncSession, user_id: uuid.UUID, category: str) -> bool:
    found = await repository.preference(session, user_id, category)
    return found.enabled if found is not None else get_category(category).default


async def update_preferences(
    session: AsyncSession, user_id: uuid.UUID, changes: Mapping[str, bool], *, via: str
) -> dict[str, list[bool]]:
    """Apply {category: enabled}; returns what changed as {category: [old, new]}. Unknown keys are a bug."""
    unknown = set(changes) - CATEGORIES_BY_KEY.keys()
    if unknown:
        raise ValueError(f"unknown notification categories: {sorted(unknown)}")
    rows = {p.category: p for p in await repository.preferences(session, user_id)}
    changed: dict[str, list[bool]] = {}
    for key, enabled in changes.items():
        row = rows.get(key)
        old = row.enabled if row is not None else CATEGORIES_BY_KEY[key].default
        if row is None:
            session.add(NotificationPreference(user_id=user_id, category=key, enabled=enabled, changed_via=via))
        elif row.enabled != enabled:
            row.enabled, row.changed_via = enabled, via
        if old != enabled:
            changed[key] = [old, enabled]
    try:
        await session.flush()
    except IntegrityError as exc:  # the same user saved twice at once: both inserted the missing row
        raise Conflict("Your email preferences were changed at the same moment; reload and try again") from exc
    return changed
