from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from mandate.account import repository as account_repo
from mandate.account.api import org_out
from mandate.account.models import User
from mandate.account.schemas import OrganizationOut
from mandate.authz.dependencies import CurrentCaller, CurrentOrg
from mandate.authz.roles import Permission, Role
from mandate.kit.errors import NotFound, responses
from mandate.kit.session import DbSession
from mandate.organization import repository, service
from mandate.organization.models import ApiToken, Membership
from mandate.organization.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationList,
    InvitationOut,
    MemberList,
    MemberOut,
    MemberUpdate,
    OrganizationUpdate,
    SwitchOrganization,
    TokenCreate,
    TokenCreated,
    TokenList,
    TokenOut,
)

router = APIRouter(prefix="/api", tags=["organizations"])


def _settings(request: Request) -> tuple[str, int]:
    settings = request.app.state.settings
    return settings.base_url, settings.invitation_days


@router.get("/organizations/current", response_model=OrganizationOut, responses=responses(401, 403))
async def current_organization(ctx: CurrentOrg) -> OrganizationOut:
    ctx.require(Permission.ORG_READ)
    return org_out(ctx.organization)


@router.patch("/organizations/current", response_model=OrganizationOut, responses=responses(401, 403, 409, 422))
async def update_organization(body: OrganizationUpdate, ctx: CurrentOrg, db: DbSession) -> OrganizationOut:
    org = await service.update_organization(db, ctx, name=body.name, slug=body.slug)
    return org_out(org)


@router.post("/organizations/switch", response_model=OrganizationOut, responses=responses(401, 404))
async def switch_organization(body: SwitchOrganization, caller: CurrentCaller, db: DbSession) -> OrganizationOut:
    """Browser sessions only: choose the organization later requests act in."""
    memberships = await repository.memberships_of_user(db, caller.user.id)
    org = next((o for _m, o in memberships if o.slug == body.slug), None)
    if org is None or caller.session is None:
        raise NotFound("No such organization among yours")
    caller.session.active_organization_id = org.id
    return org_out(org)


def member_out(membership: Membership, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


@router.get("/organizations/current/members", response_model=MemberList, responses=responses(401, 403))
async def list_members(ctx: CurrentOrg, db: DbSession) -> MemberList:
    ctx.require(Permission.ORG_READ)
    rows = await repository.members(db)
    return MemberList(items=[member_out(m, u) for m, u in rows])


@router.patch(
    "/organizations/current/members/{user_id}",
    response_model=MemberOut,
    responses=responses(401, 403, 404, 409, 422),
)
async def update_member(user_id: uuid.UUID, body: MemberUpdate, ctx: CurrentOrg, db: DbSession) -> MemberOut:
    membership = await service.change_role(db, ctx, user_id, body.role)
    user = await account_repo.get_user(db, user_id)
    assert user is not None  # the membership row references it
    return member_out(membership, user)


@router.delete("/organizations/current/members/{user_id}", status_code=204, responses=responses(401, 403, 404, 409))
async def remove_member(user_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.remove_member(db, ctx, user_id)
    return Response(status_code=204)


@router.get("/organizations/current/invitations", response_model=InvitationList, responses=responses(401, 403))
async def list_invitations(ctx: CurrentOrg, db: DbSession) -> InvitationList:
    ctx.require(Permission.MEMBERS_MANAGE)
    return InvitationList(
        items=[
            InvitationOut(id=i.id, email=i.email, role=i.role, expires_at=i.expires_at, created_at=i.created_at)
            for i in await repository.pending_invitations(db)
        ]
    )


@router.post(
    "/organizations/current/invitations",
    status_code=201,
    response_model=InvitationCreated,
    responses=responses(401, 402, 403, 409, 422),
)
async def invite(body: InvitationCreate, ctx: CurrentOrg, db: DbSession, request: Request) -> InvitationCreated:
    base_url, days = _settings(request)
    issued = await service.invite(
        db,
        ctx,
        email=body.email,
        role=body.role,
        signer=request.app.state.invitation_signer,
        base_url=base_url,
        days=days,
    )
    inv = issued.invitation
    return InvitationCreated(
        id=inv.id, email=inv.email, role=inv.role, accept_url=issued.accept_url, expires_at=inv.expires_at
    )


@router.post(
    "/organizations/current/invitations/{invitation_id}/resend",
    response_model=InvitationCreated,
    responses=responses(401, 402, 403, 404),
)
async def resend_invitation(
    invitation_id: uuid.UUID, ctx: CurrentOrg, db: DbSession, request: Request
) -> InvitationCreated:
    """Email the invitation again with a fresh link; the invitation's validity starts over."""
    base_url, days = _settings(request)
    issued = await service.resend_invitation(
        db, ctx, invitation_id, signer=request.app.state.invitation_signer, base_url=base_url, days=days
    )
    inv = issued.invitation
    return InvitationCreated(
        id=inv.id, email=inv.email, role=inv.role, accept_url=issued.accept_url, expires_at=inv.expires_at
    )


@router.delete(
    "/organizations/current/invitations/{invitation_id}", status_code=204, responses=responses(401, 403, 404)
)
async def revoke_invitation(invitation_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.revoke_invitation(db, ctx, invitation_id)
    return Response(status_code=204)


@router.post("/invitations/accept", response_model=OrganizationOut, responses=responses(401, 402, 403, 409))
async def accept_invitation(
    body: InvitationAccept, caller: CurrentCaller, db: DbSession, request: Request
) -> OrganizationOut:
    base_url, days = _settings(request)
    invitation, org = await service.invitation_from_token(
        db, body.token, signer=request.app.state.invitation_signer, max_age_seconds=days * 86400
    )
    await service.accept_invitation(db, caller.user, invitation, org, base_url=base_url)
    if caller.session is not None:
        caller.session.active_organization_id = org.id
    return org_out(org)


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.display_prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
    )


@router.post("/tokens", status_code=201, response_model=TokenCreated, responses=responses(401, 403, 422))
async def create_token(body: TokenCreate, ctx: CurrentOrg, db: DbSession) -> TokenCreated:
    token, secret = await service.create_token(db, ctx, name=body.name, expires_at=body.expires_at)
    return TokenCreated(id=token.id, name=token.name, token=secret, expires_at=token.expires_at)


@router.get("/tokens", response_model=TokenList, responses=responses(401, 403))
async def list_tokens(ctx: CurrentOrg, db: DbSession) -> TokenList:
    ctx.require(Permission.TOKENS_MANAGE)
    return TokenList(items=[token_out(t) for t in await repository.tokens(db)])


@router.delete("/tokens/{token_id}", status_code=204, responses=responses(401, 403, 404))
async def revoke_token(token_id: uuid.UUID, ctx: CurrentOrg, db: DbSession) -> Response:
    await service.revoke_token(db, ctx, token_id)
    return Response(status_code=204)
