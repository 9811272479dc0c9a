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


async def get_session_by_hash(session: AsyncSession, token_hash: str) -> UserSession | None:
    result = await session.execute(select(UserSession).where(UserSession.token_hash == token_hash))
    return result.scalar_one_or_none()


async def revoke_sessions_of_user(
    session: AsyncSession, user_id: uuid.UUID, *, at: datetime, keep_id: uuid.UUID | None = None
) -> int:
    """Revoke every live browser session of a user, except the one given; returns how many."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(UserSession.id != keep_id)
    result = await session.execute(stmt.values(revoked_at=at).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
