"""Resolve the caller of a request: a browser session (cookie) or an API token (bearer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

import structlog
from fastapi import Depends, Request

from mandate.account.models import User, UserSession
from mandate.account.service import session_for_token
from mandate.authz.context import Caller, OrgContext
from mandate.authz.roles import Role
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, CsrfFailed, NotAuthenticated, NotFound
from mandate.kit.security import constant_time_equal, hash_token, hmac_hex
from mandate.kit.session import DbSession
from mandate.kit.tenancy import set_organization
from mandate.organization import repository as org_repo
from mandate.organization.models import ApiToken, Membership, Organization

SESSION_COOKIE = "mandate_session"
CSRF_COOKIE = "mandate_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class NoOrganization(AppError):
    status = 403
    code = "no_organization"
    title = "You do not belong to an organization"


@dataclass
class Resolved:
    user: User
    session: UserSession | None = None
    token: ApiToken | None = None
    organization: Organization | None = None
    role: Role | None = None
    # Browser sessions only: every organization of the user (the page header's switcher).
    memberships: list[tuple[Membership, Organization]] = field(default_factory=list)


@dataclass(frozen=True)
class ViewerUser:
    id: uuid.UUID
    email: str
    full_name: str
    is_staff: bool


@dataclass(frozen=True)
class ViewerOrg:
    id: uuid.UUID
    name: str
    slug: str
    tier: str


@dataclass(frozen=True)
class Viewer:
    """Plain copies of who is asking, readable after a rollback has expired the ORM rows."""

    user: ViewerUser
    org: ViewerOrg | None
    role: Role | None
    has_session: bool

    @classmethod
    def of(cls, resolved: Resolved) -> Viewer:
        u, o = resolved.user, resolved.organization
        return cls(
            ViewerUser(u.id, u.email, u.full_name, u.is_staff),
            ViewerOrg(o.id, o.name, o.slug, o.tier) if o else None,
            resolved.role,
            resolved.session is not None,
        )


def csrf_token_for(secret: str, session_token: str) -> str:
    return hmac_hex(secret, "csrf:" + hash_token(session_token))


async def _check_csrf(request: Request, secret: str, session_token: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not constant_time_equal(sent, csrf_token_for(secret, session_token)):
        raise CsrfFailed()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _from_token(db: DbSession, raw: str) -> Resolved:
    found = await org_repo.token_with_holder(db, hash_token(raw))
    now = utcnow()
    if found is None:
        raise NotAuthenticated("The API token is invalid, or its creator left the organization")
    token, user, org, role = found
    if token.revoked_at or (token.expires_at and token.expires_at <= now):
        raise NotAuthenticated("The API token is expired or revoked")
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
    return Resolved(user, token=token, organization=org, role=Role(role))


async def _from_cookie(request: Request, db: DbSession, raw: str) -> Resolved | None:
    found = await session_for_token(db, raw)
    if found is None:
        return None
    user_session, user = found
    await _check_csrf(request, request.app.state.secret_key, raw)
    memberships = await org_repo.memberships_of_user(db, user.id)
    resolved = Resolved(user, session=user_session, memberships=memberships)
    chosen = next(
        ((m, o) for m, o in memberships if o.id == user_session.active_organization_id),
        memberships[0] if memberships else None,
    )
    if chosen is not None:
        membership, org = chosen
        resolved.organization, resolved.role = org, Role(membership.role)
        if user_session.active_organization_id != org.id:
            user_session.active_organization_id = org.id
    return resolved


async def resolve_optional(request: Request, db: DbSession) -> Resolved | None:
    cached: Resolved | None = getattr(request.state, "resolved", None)
    if cached is not None:
        return cached
    raw_token = _bearer(request)
    resolved: Resolved | None = None
    if raw_token:
        resolved = await _from_token(db, raw_token)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        resolved = await _from_cookie(request, db, cookie)
    if resolved and resolved.organization:
        set_organization(db, resolved.organization.id)
        structlog.contextvars.bind_contextvars(organization_id=str(resolved.organization.id))
    request.state.resolved = resolved
    if resolved is not None:
        request.state.viewer = Viewer.of(resolved)
    return resolved


MaybeResolved = Annotated[Resolved | None, Depends(resolve_optional)]


async def get_caller(resolved: MaybeResolved) -> Caller:
    if resolved is None:
        raise NotAuthenticated("Log in or send an API token")
    return Caller(resolved.user, resolved.session, resolved.token)


async def get_org_context(resolved: MaybeResolved) -> OrgContext:
    if resolved is None:
        raise NotAuthenticated("Log in or send an API token")
    if resolved.organization is None or resolved.role is None:
        raise NoOrganization("Create an organization or accept an invitation first")
    return OrgContext(
        user=resolved.user,
        organization=resolved.organization,
        role=resolved.role,
        session=resolved.session,
        token=resolved.token,
    )


async def get_staff(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if not caller.is_staff:
        raise NotFound()
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentOrg = Annotated[OrgContext, Depends(get_org_context)]
StaffCaller = Annotated[Caller, Depends(get_staff)]
