"""Accepting an invitation: as the invited user, or by creating their account (HTML)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from mandate.account import repository as account_repo
from mandate.account.api import begin_browser_session
from mandate.account.service import create_user
from mandate.kit.errors import AppError
from mandate.kit.session import DbSession
from mandate.organization import repository, service
from mandate.organization.models import Invitation, Organization
from mandate.organization.pages import done
from mandate.web.deps import Page, PageDep, SameOrigin, UserPage
from mandate.web.flash import flash
from mandate.web.formkit import field_errors, rollback_page
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
PATH = "/invitations/accept"


async def _load(request: Request, db: DbSession, token: str) -> tuple[Invitation, Organization]:
    days = request.app.state.settings.invitation_days
    return await service.invitation_from_token(
        db, token, signer=request.app.state.invitation_signer, max_age_seconds=days * 86400
    )


def _invalid(page: Page, error: AppError) -> Response:
    return render(
        page.request, "organization/invitation_invalid.html", page.context(error=error), status_code=error.status
    )


async def _accept_page(
    page: Page,
    db: DbSession,
    invitation: Invitation,
    org: Organization,
    token: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    if page.user is None:
        exists = await account_repo.get_user_by_email(db, invitation.email) is not None
        state = "login" if exists else "signup"
    elif page.user.email != invitation.email:
        state = "other"
    elif await repository.membership_in(db, page.user.id, org.id) is not None:
        state = "member"
    else:
        state = "accept"
    inviter = await account_repo.get_user(db, invitation.invited_by_id) if invitation.invited_by_id else None
    here = f"{PATH}?token={quote(token)}"
    extra.setdefault("form", {})
    extra.setdefault("errors", {})
    return render(
        page.request,
        "organization/accept.html",
        page.context(
            invitation=invitation,
            org=org,
            token=token,
            state=state,
            inviter=inviter,
            here=here,
            login_href=f"/login?next={quote(here)}",
            **extra,
        ),
        status_code=status_code,
    )


@router.get(PATH)
async def accept_page(page: PageDep, db: DbSession, token: Annotated[str, Query(max_length=500)] = "") -> Response:
    try:
        invitation, org = await _load(page.request, db, token)
    except service.InvitationInvalid as error:
        return _invalid(page, error)
    return await _accept_page(page, db, invitation, org, token)


@router.post(PATH)
async def accept(page: UserPage, db: DbSession, token: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        invitation, org = await _load(page.request, db, token)
    except service.InvitationInvalid as error:
        return _invalid(page, error)
    base_url = page.request.app.state.settings.base_url
    try:
        await service.accept_invitation(db, page.user, invitation, org, base_url=base_url)
    except AppError as error:
        await rollback_page(db, page)
        invitation, org = await _load(page.request, db, token)
        return await _accept_page(page, db, invitation, org, token, error=error, status_code=error.status)
    resolved = page.request.state.resolved
    if resolved.session is not None:
        resolved.session.active_organization_id = org.id
    return done(page, "/deals", f"Welcome to {org.name}. You joined as {invitation.role}.")


@router.post(f"{PATH}/new-account", dependencies=[SameOrigin])
async def accept_new_account(
    request: Request,
    page: PageDep,
    db: DbSession,
    token: Annotated[str, Form(max_length=500)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    if page.user is not None:
        return RedirectResponse(f"{PATH}?token={quote(token)}", status_code=303)
    try:
        invitation, org = await _load(request, db, token)
    except service.InvitationInvalid as error:
        return _invalid(page, error)
    try:
        user = await create_user(db, email=invitation.email, password=password, full_name=full_name)
        await service.accept_invitation(db, user, invitation, org, base_url=request.app.state.settings.base_url)
    except AppError as error:
        await db.rollback()
        invitation, org = await _load(request, db, token)
        return await _accept_page(
            page,
            db,
            invitation,
            org,
            token,
            form={"full_name": full_name},
            errors=field_errors(error),
            error=error,
            status_code=error.status,
        )
    response = RedirectResponse("/deals", status_code=303)
    await begin_browser_session(request, response, db, user, org)
    first = user.full_name.split()[0]
    flash(request, response, f"Welcome to Mandate, {first}. You joined {org.name} as {invitation.role}.")
    return response
