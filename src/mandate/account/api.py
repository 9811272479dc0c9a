from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from mandate.account import service
from mandate.account.cookies import clear_session_cookies, set_session_cookies
from mandate.account.flows import sign_up
from mandate.account.models import User
from mandate.account.reset import ResetPolicy, request_reset, reset_password
from mandate.account.schemas import (
    Entitlements,
    LoginIn,
    MeOut,
    OrganizationOut,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    PasswordResetRequested,
    SignupIn,
    SignupOut,
    TokenLoginIn,
    TokenOut,
    UserOut,
)
from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.dependencies import (
    SESSION_COOKIE,
    CurrentCaller,
    MaybeResolved,
    NoOrganization,
    csrf_token_for,
)
from mandate.authz.roles import Role
from mandate.billing.entitlements import entitlements_of
from mandate.kit.db import utcnow
from mandate.kit.errors import ValidationFailed, responses
from mandate.kit.session import DbSession
from mandate.kit.tenancy import set_organization
from mandate.organization import repository as org_repo
from mandate.organization.models import Membership, Organization
from mandate.organization.service import create_token

router = APIRouter(prefix="/api", tags=["auth"])
RESET_ANSWER = "If an account uses this email, a link to reset its password is on its way."


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, full_name=user.full_name)


def org_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(id=org.id, slug=org.slug, name=org.name, tier=org.tier)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_user(request: Request, db: DbSession, email: str, password: str) -> User:
    return await service.authenticate(
        db, request.app.state.login_policy, email=email, password=password, ip=client_ip(request)
    )


async def begin_browser_session(
    request: Request, response: Response, db: DbSession, user: User, org: Organization | None
) -> None:
    _session, token = await service.start_session(
        db,
        user,
        days=request.app.state.settings.session_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        organization_id=org.id if org else None,
    )
    set_session_cookies(request, response, token)


@router.post("/auth/signup", status_code=201, response_model=SignupOut, responses=responses(409, 422))
async def signup(body: SignupIn, request: Request, response: Response, db: DbSession) -> SignupOut:
    user, org = await sign_up(
        db,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        organization_name=body.organization_name,
    )
    await begin_browser_session(request, response, db, user, org)
    return SignupOut(user=user_out(user), organization=org_out(org))


@router.post("/auth/login", status_code=204, responses=responses(401, 422, 429))
async def login(body: LoginIn, request: Request, db: DbSession) -> Response:
    user = await login_user(request, db, body.email, body.password)
    memberships = await org_repo.memberships_of_user(db, user.id)
    response = Response(status_code=204)
    await begin_browser_session(request, response, db, user, memberships[0][1] if memberships else None)
    return response


@router.post("/auth/logout", status_code=204, responses=responses(403))
async def logout(resolved: MaybeResolved) -> Response:
    if resolved is not None and resolved.session is not None:
        service.end_session(resolved.session)
    response = Response(status_code=204)
    clear_session_cookies(response)
    return response


@router.post("/auth/token", response_model=TokenOut, responses=responses(401, 403, 422, 429))
async def issue_token(body: TokenLoginIn, request: Request, db: DbSession) -> TokenOut:
    user = await login_user(request, db, body.email, body.password)
    membership, org = _token_organization(await org_repo.memberships_of_user(db, user.id), body.organization)
    set_organization(db, org.id)
    ctx = OrgContext(user=user, organization=org, role=Role(membership.role))
    expires = utcnow() + timedelta(days=request.app.state.settings.api_token_days)
    _token, secret = await create_token(
        db, ctx, name=f"API login {utcnow():%Y-%m-%d %H:%M}", expires_at=expires, check_permission=False
    )
    return TokenOut(access_token=secret, expires_at=expires, organization=org_out(org))


def _token_organization(
    memberships: list[tuple[Membership, Organization]], slug: str | None
) -> tuple[Membership, Organization]:
    """The organization a login token is for: the named one, or the only one."""
    if not memberships:
        raise NoOrganization("Create an organization or accept an invitation first")
    if slug is None:
        if len(memberships) > 1:
            slugs = ", ".join(o.slug for _m, o in memberships)
            raise ValidationFailed.field("organization", f"You belong to several organizations; name one of: {slugs}")
        return memberships[0]
    chosen = next(((m, o) for m, o in memberships if o.slug == slug), None)
    if chosen is None:
        raise ValidationFailed.field("organization", f"You are not a member of an organization called {slug!r}")
    return chosen


@router.post("/auth/password", status_code=204, responses=responses(401, 403, 422))
async def change_password(
    body: PasswordChangeIn, caller: CurrentCaller, resolved: MaybeResolved, db: DbSession
) -> Response:
    """Works without an organization too (a removed member keeps their account)."""
    await service.change_password(
        db, caller.user, current_password=body.current_password, new_password=body.new_password
    )
    await service.end_other_sessions(db, caller.user, keep=caller.session)
    if resolved is not None and resolved.organization is not None and resolved.role is not None:
        ctx = OrgContext(
            user=caller.user,
            organization=resolved.organization,
            role=resolved.role,
            session=caller.session,
            token=caller.token,
        )
        record(db, ctx, "account.password_changed", "user", caller.user.id)
    return Response(status_code=204)


def reset_policy(request: Request) -> ResetPolicy:
    settings = request.app.state.settings
    limiter = request.app.state.login_policy.limiter
    return ResetPolicy(limiter, settings.password_resets_per_email, settings.password_resets_per_ip)


@router.post(
    "/auth/password-reset", status_code=202, response_model=PasswordResetRequested, responses=responses(422, 429)
)
async def request_password_reset(body: PasswordResetIn, request: Request, db: DbSession) -> PasswordResetRequested:
    """Emails a reset link if the account exists; the answer is the same either way."""
    request_reset(db, reset_policy(request), email=body.email, ip=client_ip(request))
    return PasswordResetRequested(detail=RESET_ANSWER)


@router.post("/auth/password-reset/confirm", status_code=204, responses=responses(400, 422))
async def confirm_password_reset(body: PasswordResetConfirmIn, request: Request, db: DbSession) -> Response:
    """Sets the new password and logs out every session; log in again with the new password."""
    user = await reset_password(db, request.app.state.settings, token=body.token, password=body.password)
    service.clear_login_failures(request.app.state.login_policy, user.email)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=responses(401, 403))
async def me(caller: CurrentCaller, resolved: MaybeResolved, request: Request) -> MeOut:
    """Works without an organization too (staff, or someone removed from their only one)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    csrf = csrf_token_for(request.app.state.secret_key, cookie) if caller.session and cookie else None
    org = resolved.organization if resolved else None
    role = resolved.role if resolved else None
    return MeOut(
        user=user_out(caller.user),
        organization=org_out(org) if org else None,
        role=role.value if role else None,
        tier=org.tier if org else None,
        entitlements=Entitlements.model_validate(entitlements_of(org)) if org else None,
        is_staff=caller.user.is_staff,
        csrf_token=csrf,
    )
