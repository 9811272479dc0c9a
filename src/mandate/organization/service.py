"""Organizations, memberships, invitations and API tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.account.models import User
from mandate.audit.service import record, record_raw
from mandate.authz.context import OrgContext
from mandate.authz.roles import ASSIGNABLE_BY, Permission, Role
from mandate.billing.entitlements import check_limit
from mandate.billing.tiers import DEFAULT_TIER, Limit
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mandate.kit.security import LinkSigner, hash_token, new_token
from mandate.kit.slug import MAX_SLUG_LENGTH, slugify, with_suffix
from mandate.kit.tenancy import set_organization
from mandate.organization import repository
from mandate.organization.emails import send_invitation
from mandate.organization.models import ApiToken, Invitation, Membership, Organization

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
TOKEN_PREFIX = "mdt_"
INVITE_SALT = "invitation"


class LastOwner(Conflict):
    code = "last_owner"
    title = "An organization needs at least one owner"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "This address is taken"


class InvitationInvalid(Conflict):
    code = "invitation_invalid"
    title = "This invitation cannot be used"


def check_org_name(name: str, *, field: str = "organization_name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed.field(field, "Enter an organization name")
    if len(cleaned) > 120:
        raise ValidationFailed.field(field, "Use at most 120 characters")
    return cleaned


async def unique_slug(session: AsyncSession, name: str) -> str:
    base = slugify(name)
    # with_suffix shortens a long base to make room, so look up by a prefix every candidate
    # shares (room for suffixes up to "-9999999").
    taken = await repository.slugs_like(session, base[: MAX_SLUG_LENGTH - 8])
    if base not in taken:
        return base
    n = 2
    while with_suffix(base, n) in taken:
        n += 1
    return with_suffix(base, n)


async def create_organization(session: AsyncSession, *, name: str, owner: User) -> Organization:
    org = Organization(name=check_org_name(name), slug=await unique_slug(session, name), tier=DEFAULT_TIER)
    session.add(org)
    try:
        await session.flush()
    except IntegrityError as exc:  # another sign-up took the same slug between check and insert
        raise SlugTaken("An organization with this name was created a moment ago; please submit again") from exc
    set_organization(session, org.id)
    session.add(Membership(organization_id=org.id, user_id=owner.id, role=Role.OWNER.value))
    record_raw(
        session,
        organization_id=org.id,
        actor_label=owner.email,
        actor_user_id=owner.id,
        action="organization.created",
        subject_type="organization",
        subject_id=org.id,
        data={"name": org.name, "slug": org.slug},
    )
    await session.flush()
    return org


async def update_organization(
    session: AsyncSession, ctx: OrgContext, *, name: str | None, slug: str | None
) -> Organization:
    ctx.require(Permission.ORG_MANAGE)
    org = ctx.organization
    changes: dict[str, list[str]] = {}
    if name is not None:
        cleaned = check_org_name(name, field="name")
        if cleaned != org.name:
            changes["name"] = [org.name, cleaned]
            org.name = cleaned
    if slug is not None and slug != org.slug:
        if not SLUG_PATTERN.match(slug) or len(slug) > MAX_SLUG_LENGTH:
            raise ValidationFailed.field("slug", "Use lowercase letters, digits and hyphens")
        if await repository.get_by_slug(session, slug):
            raise SlugTaken(f"{slug} is taken", errors=[])
        changes["slug"] = [org.slug, slug]
        org.slug = slug
    if changes:
        record(session, ctx, "organization.updated", "organization", org.id, changes)
    return org


# Members ---------------------------------------------------------------------------------


async def _member_or_404(session: AsyncSession, user_id: uuid.UUID) -> Membership:
    membership = await repository.member(session, user_id)
    if membership is None:
        raise NotFound("No such member in this organization")
    return membership


def _check_can_assign(ctx: OrgContext, target_role: Role, new_role: Role | None) -> None:
    allowed = ASSIGNABLE_BY[ctx.role]
    if target_role not in allowed or (new_role is not None and new_role not in allowed):
        raise PermissionDenied("Only an owner can grant or change the owner role")


async def _ensure_not_last_owner(session: AsyncSession, membership: Membership) -> None:
    if membership.role == Role.OWNER.value and await repository.count_role(session, "owner") <= 1:
        raise LastOwner("Make someone else an owner first")


async def change_role(session: AsyncSession, ctx: OrgContext, user_id: uuid.UUID, role: Role) -> Membership:
    membership = await _member_or_404(session, user_id)
    ctx.require(Permission.MEMBERS_MANAGE)
    _check_can_assign(ctx, Role(membership.role), role)
    if membership.role == role.value:
        return membership
    if role is not Role.OWNER:
        await _ensure_not_last_owner(session, membership)
    old = membership.role
    membership.role = role.value
    record(session, ctx, "organization.member_role_changed", "user", user_id, {"from": old, "to": role.value})
    return membership


async def remove_member(session: AsyncSession, ctx: OrgContext, user_id: uuid.UUID) -> None:
    membership = await _member_or_404(session, user_id)
    leaving_self = user_id == ctx.user.id
    if not leaving_self:
        ctx.require(Permission.MEMBERS_MANAGE)
        _check_can_assign(ctx, Role(membership.role), None)
    await _ensure_not_last_owner(session, membership)
    await session.delete(membership)
    action = "organization.member_left" if leaving_self else "organization.member_removed"
    record(session, ctx, action, "user", user_id, {"role": membership.role})


# Invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    accept_url: str


def invitation_signer(secret: str) -> LinkSigner:
    return LinkSigner(secret, INVITE_SALT)


async def invite(
    session: AsyncSession,
    ctx: OrgContext,
    *,
    email: str,
    role: Role,
    signer: LinkSigner,
    base_url: str,
    days: int,
) -> IssuedInvitation:
    from mandate.account.service import normalise_email

    ctx.require(Permission.MEMBERS_MANAGE)
    email = normalise_email(email)
    _check_can_assign(ctx, role, role)
    members = await repository.members(session)
    if any(user.email == email for _m, user in members):
        raise Conflict(f"{email} is already a member", errors=[])
    pending = [i for i in await repository.pending_invitations(session) if i.expires_at > utcnow()]
    # Inviting the same person again replaces their earlier link rather than taking a second seat.
    for earlier in (i for i in pending if i.email == email):
        earlier.revoked_at = utcnow()
        record(session, ctx, "organization.invitation_replaced", "invitation", earlier.id, {"email": email})
    pending = [i for i in pending if i.email != email]
    check_limit(ctx.organization, Limit.MEMBERS, len(members) + len(pending), base_url=base_url)
    invitation = Invitation(
        organization_id=ctx.organization.id,
        email=email,
        role=role.value,
        invited_by_id=ctx.user.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(invitation)
    await session.flush()
    record(
        session, ctx, "organization.member_invited", "invitation", invitation.id, {"email": email, "role": role.value}
    )
    issued = IssuedInvitation(invitation, accept_url(signer, base_url, invitation))
    await send_invitation(session, ctx, invitation, issued.accept_url)
    return issued


async def resend_invitation(
    session: AsyncSession,
    ctx: OrgContext,
    invitation_id: uuid.UUID,
    *,
    signer: LinkSigner,
    base_url: str,
    days: int,
) -> IssuedInvitation:
    """Email a pending invitation again with a fresh link; its validity starts over."""
    invitation = await repository.get_invitation(session, invitation_id)
    if invitation is None or invitation.revoked_at or invitation.accepted_at:
        raise NotFound("No such pending invitation")
    ctx.require(Permission.MEMBERS_MANAGE)
    now = utcnow()
    if invitation.expires_at <= now:  # an expired invitation held no seat: renewing it takes one again
        members = await repository.count_members(session)
        live = [i for i in await repository.pending_invitations(session) if i.expires_at > now]
        check_limit(ctx.organization, Limit.MEMBERS, members + len(live), base_url=base_url)
    invitation.expires_at = now + timedelta(days=days)
    record(session, ctx, "organization.invitation_resent", "invitation", invitation.id, {"email": invitation.email})
    issued = IssuedInvitation(invitation, accept_url(signer, base_url, invitation))
    await send_invitation(session, ctx, invitation, issued.accept_url)
    return issued


def accept_url(signer: LinkSigner, base_url: str, invitation: Invitation) -> str:
    """A fresh signed link for a pending invitation (the invitation's own expiry still applies)."""
    token = signer.sign({"i": str(invitation.id)})
    return f"{base_url}/invitations/accept?token={token}"


async def revoke_invitation(session: AsyncSession, ctx: OrgContext, invitation_id: uuid.UUID) -> Invitation:
    invitation = await repository.get_invitation(session, invitation_id)
    if invitation is None or invitation.revoked_at or invitation.accepted_at:
        raise NotFound("No such pending invitation")
    ctx.require(Permission.MEMBERS_MANAGE)
    invitation.revoked_at = utcnow()
    record(session, ctx, "organization.invitation_revoked", "invitation", invitation.id, {"email": invitation.email})
    return invitation


async def invitation_from_token(
    session: AsyncSession, token: str, *, signer: LinkSigner, max_age_seconds: int
) -> tuple[Invitation, Organization]:
    payload = signer.unsign(token, max_age_seconds)
    try:
        invitation_id = uuid.UUID(str(payload["i"])) if isinstance(payload, dict) else None
    except (KeyError, ValueError):
        invitation_id = None
    invitation = await repository.get_invitation_unscoped(session, invitation_id) if invitation_id else None
    if invitation is None:
        raise InvitationInvalid("This invitation link is not valid or has expired")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been used")
    if invitation.revoked_at is not None or invitation.expires_at <= utcnow():
        raise InvitationInvalid("This invitation was withdrawn or has expired")
    org = await repository.get_organization(session, invitation.organization_id)
    assert org is not None
    return invitation, org


async def accept_invitation(
    session: AsyncSession, user: User, invitation: Invitation, org: Organization, *, base_url: str
) -> Membership:
    if invitation.email != user.email:
        raise PermissionDenied("This invitation was sent to a different email address")
    set_organization(session, org.id)
    if await repository.member(session, user.id):
        raise InvitationInvalid("You are already a member of this organization")
    check_limit(org, Limit.MEMBERS, await repository.count_members(session), base_url=base_url)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    membership = Membership(organization_id=org.id, user_id=user.id, role=invitation.role)
    session.add(membership)
    record_raw(
        session,
        organization_id=org.id,
        actor_label=user.email,
        actor_user_id=user.id,
        action="organization.member_joined",
        subject_type="user",
        subject_id=user.id,
        data={"role": invitation.role, "invitation_id": str(invitation.id)},
    )
    return membership


# API tokens ------------------------------------------------------------------------------


async def create_token(
    session: AsyncSession,
    ctx: OrgContext,
    *,
    name: str,
    expires_at: datetime | None,
    check_permission: bool = True,
) -> tuple[ApiToken, str]:
    if check_permission:
        ctx.require(Permission.TOKENS_MANAGE)
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 80:
        raise ValidationFailed.field("name", "Enter a name of 1 to 80 characters")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise ValidationFailed.field("expires_at", "Include a timezone, e.g. 2027-01-31T00:00:00Z")
        if expires_at <= utcnow():
            raise ValidationFailed.field("expires_at", "Choose a time in the future")
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(
        organization_id=ctx.organization.id,
        name=cleaned,
        token_hash=hash_token(secret),
        display_prefix=secret[:10],
        created_by_id=ctx.user.id,
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    record(session, ctx, "api_token.created", "api_token", token.id, {"name": cleaned})
    return token, secret


async def revoke_token(session: AsyncSession, ctx: OrgContext, token_id: uuid.UUID) -> ApiToken:
    token = await repository.get_token(session, token_id)
    if token is None:
        raise NotFound("No such token")
    ctx.require(Permission.TOKENS_MANAGE)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, ctx, "api_token.revoked", "api_token", token.id, {"name": token.name})
    return token
