from __future__ import annotations

import uuid

from sqlalchemy import select
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
