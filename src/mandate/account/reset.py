"""Password reset by email: a signed link that expires and works once.

The link carries the user id and an HMAC of the current password hash; setting a password
changes the hash, so the link (and any other outstanding link) stops working after one use.
Requests look the same whether or not the account exists: the lookup and the email happen in a
job, so the response neither says nor takes longer when the account is real.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account import repository
from mandate.account.models import User
from mandate.account.passwords import hash_password
from mandate.account.service import check_password, normalise_email
from mandate.audit.service import record_raw
from mandate.config import Settings
from mandate.jobs import enqueue
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, FieldError
from mandate.kit.ratelimit import RateLimiter
from mandate.kit.security import LinkSigner, constant_time_equal, hmac_hex
from mandate.kit.tenancy import unscoped

SALT = "password-reset"
MAIL_JOB = "account.password_reset_mail"
CONFIRM_PATH = "/password-reset/confirm"


class ResetLinkInvalid(AppError):
    status = 400
    code = "reset_link_invalid"
    title = "This password reset link cannot be used"

    def __init__(self) -> None:
        detail = "This password reset link has expired or has already been used. Ask for a new one."
        super().__init__(detail, errors=[FieldError("token", detail)])


@dataclass(frozen=True)
class ResetPolicy:
    limiter: RateLimiter
    per_email: str
    per_ip: str


def _signer(settings: Settings) -> LinkSigner:
    return LinkSigner(settings.ensure_secret_key(), SALT)


def _fingerprint(settings: Settings, user: User) -> str:
    return hmac_hex(settings.ensure_secret_key(), f"reset:{user.id}:{user.password_hash}")[:32]


def reset_url(settings: Settings, user: User) -> str:
    token = _signer(settings).sign({"u": str(user.id), "f": _fingerprint(settings, user)})
    return f"{settings.base_url}{CONFIRM_PATH}?token={quote(token)}"


def request_reset(session: AsyncSession, policy: ResetPolicy, *, email: str, ip: str) -> None:
    """Queue the reset email, if there is an account. Rate limits count every request,
    whether or not the account exists, so a 429 reveals nothing either."""
    address = normalise_email(email)
    policy.limiter.require(policy.per_ip, "reset-ip", ip)
    policy.limiter.require(policy.per_email, "reset-email", address)
    policy.limiter.hit(policy.per_ip, "reset-ip", ip)
    policy.limiter.hit(policy.per_email, "reset-email", address)
    enqueue(session, MAIL_JOB, {"email": address}, organization_id=None)


async def user_for_token(session: AsyncSession, settings: Settings, token: str) -> User:
    payload = _signer(settings).unsign(token, settings.password_reset_minutes * 60)
    try:
        user_id = uuid.UUID(str(payload["u"])) if isinstance(payload, dict) else None
        fingerprint = str(payload["f"]) if isinstance(payload, dict) else ""
    except (KeyError, ValueError):
        user_id, fingerprint = None, ""
    user = await repository.get_user(session, user_id) if user_id else None
    if user is None or not constant_time_equal(fingerprint, _fingerprint(settings, user)):
        raise ResetLinkInvalid()
    return user


async def reset_password(session: AsyncSession, settings: Settings, *, token: str, password: str) -> User:
    """Set the new password and log out every browser; the caller may start a fresh session."""
    user = await user_for_token(session, settings, token)
    check_password(password, email=user.email, field="password")
    now = utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    ended = await repository.revoke_sessions_of_user(session, user.id, at=now)
    await _audit(session, user, ended)
    return user


async def _audit(session: AsyncSession, user: User, sessions_ended: int) -> None:
    """Written in each of the user's organizations, as a password change is."""
    from mandate.organization import repository as org_repo

    memberships = await org_repo.memberships_of_user(session, user.id)
    with unscoped(session):  # one row per organization, none of which is "current" here
        for _membership, org in memberships:
            record_raw(
                session,
                organization_id=org.id,
                actor_label=user.email,
                actor_user_id=user.id,
                action="account.password_reset",
                subject_type="user",
                subject_id=user.id,
                data={"sessions_ended": sessions_ended},
            )
        await session.flush()
