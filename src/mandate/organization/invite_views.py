"""Invitations tab: invite by email with a role, see and copy pending links, revoke (HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from mandate.authz.context import OrgContext
from mandate.authz.roles import ASSIGNABLE_BY, Permission, Role
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, ValidationFailed
from mandate.kit.session import DbSession
from mandate.organization import repository, service
from mandate.organization.pages import BASE, done, render_tab, require_tab
from mandate.web.deps import OrgPage, Page
from mandate.web.formkit import field_errors, rollback_page

router = APIRouter(include_in_schema=False)
PATH = f"{BASE}/invitations"


async def _invitations_page(
    page: Page,
    ctx: OrgContext,
    db: DbSession,
    *,
    form: dict[str, str] | None = None,
    invited: uuid.UUID | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    settings = page.request.app.state.settings
    signer = page.request.app.state.invitation_signer
    now = utcnow()
    pending = [
        (inv, service.accept_url(signer, settings.base_url, inv) if inv.expires_at > now else None)
        for inv in await repository.pending_invitations(db)
    ]
    just_invited = next(((i, url) for i, url in pending if i.id == invited and url), None)
    return render_tab(
        page,
        ctx,
        "invitations",
        "organization/invitations.html",
        pending=pending,
        just_invited=just_invited,
        roles=[r for r in Role if r in ASSIGNABLE_BY[ctx.role]],
        form=form or {"email": "", "role": Role.MEMBER.value},
        invitation_days=settings.invitation_days,
        status_code=status_code,
        **extra,
    )


@router.get(PATH)
async def invitations(org_page: OrgPage, db: DbSession, invited: uuid.UUID | None = None) -> Response:
    page, ctx = org_page
    require_tab(ctx, Permission.MEMBERS_MANAGE, "invite people")
    return await _invitations_page(page, ctx, db, invited=invited)


@router.post(PATH)
async def invite(
    org_page: OrgPage,
    db: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = Role.MEMBER.value,
) -> Response:
    page, ctx = org_page
    require_tab(ctx, Permission.MEMBERS_MANAGE, "invite people")
    settings = page.request.app.state.settings
    try:
        if role not in {r.value for r in Role}:
            raise ValidationFailed.field("role", "Choose a role")
        issued = await service.invite(
            db,
            ctx,
            email=email,
            role=Role(role),
            signer=page.request.app.state.invitation_signer,
            base_url=settings.base_url,
            days=settings.invitation_days,
        )
    except AppError as error:
        await rollback_page(db, page)
        errors = field_errors(error)
        if error.code == "conflict":
            errors["email"] = error.detail
        if error.status == 403:
            errors["role"] = error.detail
        return await _invitations_page(
            page,
            ctx,
            db,
            form={"email": email, "role": role},
            errors=errors,
            limit_error=error if error.status == 402 else None,
            status_code=error.status,
        )
    invitation = issued.invitation
    return done(
        page,
        f"{PATH}?invited={invitation.id}#invite-link",
        f"Invitation emailed to {invitation.email}. The link is below too, if you want to share it yourself.",
    )


@router.post(f"{PATH}/{{invitation_id}}/resend")
async def resend(invitation_id: uuid.UUID, org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    settings = page.request.app.state.settings
    try:
        issued = await service.resend_invitation(
            db,
            ctx,
            invitation_id,
            signer=page.request.app.state.invitation_signer,
            base_url=settings.base_url,
            days=settings.invitation_days,
        )
    except AppError as error:
        if error.status in (403, 404):
            raise
        await rollback_page(db, page)
        return await _invitations_page(page, ctx, db, limit_error=error, status_code=error.status)
    invitation = issued.invitation
    return done(
        page,
        f"{PATH}?invited={invitation.id}#invite-link",
        f"Invitation emailed again to {invitation.email}; the link is valid for {settings.invitation_days} more days.",
    )


@router.post(f"{PATH}/{{invitation_id}}/revoke")
async def revoke(invitation_id: uuid.UUID, org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    invitation = await service.revoke_invitation(db, ctx, invitation_id)
    return done(page, PATH, f"Invitation for {invitation.email} revoked; its link no longer works.")
