"""Organization settings (general, members, plan) and the org switcher (HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from mandate.authz.context import OrgContext
from mandate.authz.roles import ASSIGNABLE_BY, Role
from mandate.billing.tiers import Limit, get_tier
from mandate.deal import repository as deal_repo
from mandate.kit.errors import AppError, NotFound, ValidationFailed
from mandate.kit.session import DbSession
from mandate.organization import repository, service
from mandate.organization.accept_views import router as accept_router
from mandate.organization.invite_views import router as invite_router
from mandate.organization.pages import BASE, done, render_tab
from mandate.organization.token_views import router as token_router
from mandate.web.deps import OrgPage, Page, UserPage
from mandate.web.formkit import field_errors, rollback_page

router = APIRouter(include_in_schema=False)
router.include_router(invite_router)
router.include_router(token_router)
router.include_router(accept_router)

ROLE_HELP = {
    Role.OWNER: "Everything, including billing and other owners",
    Role.ADMIN: "Manage members, invitations, API tokens and the audit log",
    Role.MEMBER: "Create and run deals",
    Role.VIEWER: "Read-only access to deals",
}


# General ---------------------------------------------------------------------------------


@router.get(BASE)
async def general(org_page: OrgPage) -> Response:
    page, ctx = org_page
    form = {"name": ctx.organization.name, "slug": ctx.organization.slug}
    return render_tab(page, ctx, "general", "organization/general.html", form=form)


@router.post(BASE)
async def general_submit(
    org_page: OrgPage,
    db: DbSession,
    name: Annotated[str, Form(max_length=200)] = "",
    slug: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page, ctx = org_page
    try:
        await service.update_organization(db, ctx, name=name, slug=slug.strip().lower())
    except AppError as error:
        await rollback_page(db, page)
        errors = field_errors(error, {"organization_name": "name"})
        if error.code == "slug_taken":
            errors["slug"] = "Another organization uses this address; choose another"
        return render_tab(
            page,
            ctx,
            "general",
            "organization/general.html",
            form={"name": name, "slug": slug},
            errors=errors,
            error=error,
            status_code=error.status,
        )
    return done(page, BASE, "Organization details saved.")


# Members ---------------------------------------------------------------------------------


async def _members_page(
    page: Page, ctx: OrgContext, db: DbSession, *, status_code: int = 200, **extra: Any
) -> Response:
    members = await repository.members(db)
    owners = sum(1 for m, _u in members if m.role == Role.OWNER.value)
    return render_tab(
        page,
        ctx,
        "members",
        "organization/members.html",
        members=members,
        owners=owners,
        assignable=[r for r in Role if r in ASSIGNABLE_BY[ctx.role]],
        role_help=ROLE_HELP,
        status_code=status_code,
        **extra,
    )


@router.get(f"{BASE}/members")
async def members(org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    return await _members_page(page, ctx, db)


@router.post(f"{BASE}/members/{{user_id}}/role")
async def change_role(
    user_id: uuid.UUID, org_page: OrgPage, db: DbSession, role: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    page, ctx = org_page
    try:
        if role not in {r.value for r in Role}:
            raise ValidationFailed.field("role", "Choose owner, admin, member or viewer")
        await service.change_role(db, ctx, user_id, Role(role))
    except NotFound:
        raise
    except AppError as error:
        await rollback_page(db, page)
        return await _members_page(page, ctx, db, row_error=error, row_user_id=user_id, status_code=error.status)
    return done(page, f"{BASE}/members", f"Role changed to {role}.")


@router.post(f"{BASE}/members/{{user_id}}/remove")
async def remove_member(user_id: uuid.UUID, org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    if user_id == ctx.user.id:
        return done(page, f"{BASE}/members", "To remove yourself, use Leave organization.", "error")
    try:
        await service.remove_member(db, ctx, user_id)
    except NotFound:
        raise
    except AppError as error:
        await rollback_page(db, page)
        return await _members_page(page, ctx, db, row_error=error, row_user_id=user_id, status_code=error.status)
    return done(page, f"{BASE}/members", "Member removed. They can no longer see this organization.")


@router.post(f"{BASE}/leave")
async def leave(org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    org_name = ctx.organization.name
    try:
        await service.remove_member(db, ctx, ctx.user.id)
    except AppError as error:
        await rollback_page(db, page)
        return await _members_page(page, ctx, db, leave_error=error, status_code=error.status)
    others = [o for o in page.organizations if o.id != ctx.organization.id]
    if ctx.session is not None:
        ctx.session.active_organization_id = others[0].id if others else None
    target = "/deals" if others else "/settings/account"
    return done(page, target, f"You left {org_name}.")


# Plan ------------------------------------------------------------------------------------


@router.get(f"{BASE}/plan")
async def plan(org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    tier = get_tier(ctx.organization.tier)
    usage = [
        ("Members", await repository.count_members(db), tier.limit(Limit.MEMBERS)),
        ("Active deals", await deal_repo.count_active(db), tier.limit(Limit.ACTIVE_DEALS)),
    ]
    return render_tab(page, ctx, "plan", "organization/plan.html", tier=tier, usage=usage)


# Switching -------------------------------------------------------------------------------


@router.post("/switch-organization")
async def switch_organization(page: UserPage, slug: Annotated[str, Form(max_length=48)] = "") -> Response:
    org = next((o for o in page.organizations if o.slug == slug), None)
    resolved = page.request.state.resolved
    if org is None or resolved.session is None:
        raise NotFound("No such organization among yours")
    resolved.session.active_organization_id = org.id
    return done(page, "/deals", f"You are now working in {org.name}.")
