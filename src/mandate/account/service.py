"""Accounts: sign-up, login, browser sessions and passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account import repository
from mandate.account.models import User, UserSession
from mandate.account.passwords import (
    dummy_hash,
    hash_password,
    password_problem,
    verify_password,
)
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, InvalidCredentials, ValidationFailed
from mandate.kit.ratelimit import RateLimiter
from mandate.kit.security import hash_token, new_token


class EmailTaken(Conflict):
    code = "email_taken"
    title = "An account with this email already exists"


def normalise_email(raw: str, *, field: str = "email") -> str:
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.field(field, str(exc)) from exc
    return info.normalized.lower()


def check_password(password: str, *, email: str = "", field: str = "password") -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise ValidationFailed.field(field, problem)


def check_full_name(full_name: str) -> str:
    cleaned = " ".join(full_name.split())
    if not cleaned:
        raise ValidationFailed.field("full_name", "Enter your full name")
    if len(cleaned) > 120:
        raise ValidationFailed.field("full_name", "Use at most 120 characters")
    return cleaned


async def create_user(
    session: AsyncSession, *, email: str, password: str, full_name: str, is_staff: bool = False
) -> User:
    email = normalise_email(email)
    full_name = check_full_name(full_name)
    check_password(password, email=email)
    if await repository.get_user_by_email(session, email):
        raise EmailTaken(f"{email} already has an account; log in instead")
    user = User(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        is_staff=is_staff,
        password_changed_at=utcnow(),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same email signed up a moment ago, between check and insert
        raise EmailTaken(f"{email} already has an account; log in instead") from exc
    return user


@dataclass(frozen=True)
class LoginPolicy:
    limiter: RateLimiter
    failures_per_account: str
    attempts_per_ip: str


async def authenticate(session: AsyncSession, policy: LoginPolicy, *, email: str, password: str, ip: str) -> User:
    """Check credentials under the rate limits; the answer never reveals whether the email exists."""
    key = email.strip().lower()[:254]
    policy.limiter.require(policy.attempts_per_ip, "login-ip", ip)
    policy.limiter.require(policy.failures_per_account, "login-account", key)
    policy.limiter.hit(policy.attempts_per_ip, "login-ip", ip)
    user = await repository.get_user_by_email(session, key)
    valid = verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or not valid:
        policy.limiter.hit(policy.failures_per_account, "login-account", key)
        raise InvalidCredentials()
    policy.limiter.clear(policy.failures_per_account, "login-account", key)
    user.last_login_at = utcnow()
    return user


def clear_login_failures(policy: LoginPolicy, email: str) -> None:
    """A successful password reset proves the owner: lift a lock earlier failures put on the email."""
    policy.limiter.clear(policy.failures_per_account, "login-account", email.strip().lower()[:254])


async def start_session(
    session: AsyncSession,
    user: User,
    *,
    days: int,
    ip: str | None,
    user_agent: str | None,
    organization_id: object | None = None,
) -> tuple[UserSession, str]:
    token = new_token()
    now = utcnow()
    user_session = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
        active_organization_id=organization_id,
    )
    session.add(user_session)
    await session.flush()
    return user_session, token


async def session_for_token(session: AsyncSession, token: str) -> tuple[UserSession, User] | None:
    """The live browser session for a cookie token, with its user; None when revoked or expired."""
    found = await repository.session_with_user(session, hash_token(token))
    if found is None or found[0].revoked_at is not None or found[0].expires_at <= utcnow():
        return None
    return found


def end_session(user_session: UserSession) -> None:
    user_session.revoked_at = utcnow()


async def change_password(session: AsyncSession, user: User, *, current_password: str, new_password: str) -> None:
    if not verify_password(current_password, user.password_hash):
        raise ValidationFailed.field("current_password", "Current password is incorrect")
    check_password(new_password, email=user.email, field="new_password")
    if verify_password(new_password, user.password_hash):
        raise ValidationFailed.field("new_password", "Choose a password different from the current one")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()


async def end_other_sessions(session: AsyncSession, user: User, *, keep: UserSession | None) -> int:
    """After a password change: every other browser logged in as this user must log in again."""
    return await repository.revoke_sessions_of_user(
        session, user.id, at=utcnow(), keep_id=keep.id if keep is not None else None
    )


async def update_profile(session: AsyncSession, user: User, *, full_name: str) -> dict[str, list[str]]:
    """Change the profile; returns what changed as {field: [old, new]}."""
    from mandate.organization import repository as org_repo

    cleaned = check_full_name(full_name)
    if cleaned == user.full_name:
        return {}
    changes = {"full_name": [user.full_name, cleaned]}
    user.full_name = cleaned
    # Deal lists show owners' names: lists cached in any of the user's organizations are now stale.
    org_ids = [org.id for _m, org in await org_repo.memberships_of_user(session, user.id)]
    await org_repo.bump_deals_version(session, org_ids)
    return changes
