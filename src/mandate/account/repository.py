from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User, UserSession


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def session_with_user(session: AsyncSession, token_hash: str) -> tuple[UserSession, User] | None:
    """A browser session and its user in one round trip (every page and cookie API call needs both)."""
    stmt = (
        select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.token_hash == token_hash)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def revoke_sessions_of_user(
    session: AsyncSession, user_id: uuid.UUID, *, at: datetime, keep_id: uuid.UUID | None = None
) -> int:
    """Revoke every live browser session of a user, except the one given; returns how many."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(UserSession.id != keep_id)
    result = await session.execute(stmt.values(revoked_at=at).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
