"""Log in, sign up, log out (HTML)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mandate.account.api import begin_browser_session, login_user
from mandate.account.cookies import clear_session_cookies
from mandate.account.flows import sign_up
from mandate.account.reset_views import router as reset_router
from mandate.account.service import change_password, end_other_sessions, end_session, update_profile
from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.kit.errors import AppError, ValidationFailed
from mandate.kit.session import DbSession
from mandate.mail.categories import CATEGORIES
from mandate.mail.preferences import preferences_of, update_preferences
from mandate.organization import repository as org_repo
from mandate.web.deps import Page, PageDep, SameOrigin, UserPage, safe_next
from mandate.web.flash import flash
from mandate.web.formkit import field_errors as form_errors
from mandate.web.formkit import rollback_page
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(reset_router)


def field_errors(error: AppError) -> dict[str, str]:
    return form_errors(error)


@router.get("/login")
async def login_page(page: PageDep, next: str | None = None) -> Response:
    if page.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(page.request, "account/login.html", page.context(next=safe_next(next), form={}, error=None))


@router.post("/login", dependencies=[SameOrigin])
async def login_submit(
    request: Request,
    page: PageDep,
    db: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        user = await login_user(request, db, email, password)
    except AppError as error:
        await db.rollback()
        return render(
            request,
            "account/login.html",
            page.context(next=safe_next(next), form={"email": email}, error=error),
            status_code=error.status,
            headers=error.headers,
        )
    memberships = await org_repo.memberships_of_user(db, user.id)
    response = RedirectResponse(safe_next(next), status_code=303)
    await begin_browser_session(request, response, db, user, memberships[0][1] if memberships else None)
    return response


@router.get("/signup")
async def signup_page(page: PageDep) -> Response:
    if page.user is not None:
        return RedirectResponse("/deals", status_code=303)
    return render(page.request, "account/signup.html", page.context(form={}, errors={}, error=None))


@router.post("/signup", dependencies=[SameOrigin])
async def signup_submit(
    request: Request,
    page: PageDep,
    db: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    full_name: Annotated[str, Form(max_length=120)] = "",
    organization_name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    form = {"email": email, "full_name": full_name, "organization_name": organization_name}
    try:
        user, org = await sign_up(
            db, email=email, password=password, full_name=full_name, organization_name=organization_name
        )
    except AppError as error:
        await db.rollback()
        errors = field_errors(error) or ({"email": error.detail} if error.code == "email_taken" else {})
        return render(
            request,
            "account/signup.html",
            page.context(form=form, errors=errors, error=error),
            status_code=error.status,
        )
    response = RedirectResponse("/deals", status_code=303)
    await begin_browser_session(request, response, db, user, org)
    flash(request, response, f"Welcome to Mandate, {user.full_name.split()[0]}. {org.name} is ready.")
    return response


@router.post("/logout")
async def logout(request: Request, page: PageDep, next: Annotated[str, Form(max_length=500)] = "") -> Response:
    resolved = getattr(request.state, "resolved", None)
    if resolved is not None and resolved.session is not None:
        end_session(resolved.session)
    response = RedirectResponse(safe_next(next, "/login"), status_code=303)
    clear_session_cookies(response)
    flash(request, response, "You have logged out.")
    return response


# Account settings ------------------------------------------------------------------------


async def _settings_page(
    page: Page,
    db: DbSession,
    *,
    profile: dict[str, str] | None = None,
    profile_errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = await preferences_of(db, page.user.id)
    return render(
        page.request,
        "account/settings.html",
        page.context(
            profile=profile or {"full_name": page.user.full_name},
            profile_errors=profile_errors or {},
            password_errors=password_errors or {},
            notifications=[(c, chosen[c.key]) for c in CATEGORIES],
        ),
        status_code=status_code,
    )


def _audit(db: DbSession, page: Page, action: str, data: dict[str, Any] | None = None) -> None:
    """Account changes land in the active organization's log, when there is one."""
    if page.org is None or page.role is None:
        return
    ctx = OrgContext(user=page.user, organization=page.org, role=page.role)
    record(db, ctx, action, "user", page.user.id, data)


@router.get("/settings/account")
async def account_settings(page: UserPage, db: DbSession) -> Response:
    return await _settings_page(page, db)


@router.post("/settings/account")
async def account_update_profile(
    page: UserPage, db: DbSession, full_name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    try:
        changes = await update_profile(db, page.user, full_name=full_name)
    except AppError as error:
        await rollback_page(db, page)
        return await _settings_page(
            page, db, profile={"full_name": full_name}, profile_errors=field_errors(error), status_code=error.status
        )
    if changes:
        _audit(db, page, "account.profile_updated", changes)
    response = RedirectResponse("/settings/account", status_code=303)
    flash(page.request, response, "Your profile is saved." if changes else "Nothing to change.")
    return response


@router.post("/settings/account/password")
async def account_change_password(
    page: UserPage,
    db: DbSession,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    confirm_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        await change_password(db, page.user, current_password=current_password, new_password=new_password)
        if confirm_password != new_password:
            raise ValidationFailed.field("confirm_password", "The two new passwords do not match")
    except AppError as error:
        await rollback_page(db, page)
        return await _settings_page(page, db, password_errors=field_errors(error), status_code=error.status)
    resolved = page.request.state.resolved
    ended = await end_other_sessions(db, page.user, keep=resolved.session)
    _audit(db, page, "account.password_changed", {"other_sessions_ended": ended})
    response = RedirectResponse("/settings/account", status_code=303)
    others = f" {ended} other session{'s' if ended != 1 else ''} logged out." if ended else ""
    flash(page.request, response, f"Your password is changed.{others}")
    return response


@router.post("/settings/account/notifications")
async def account_notifications(
    page: UserPage, db: DbSession, categories: Annotated[list[str] | None, Form(max_length=20)] = None
) -> Response:
    """Checked boxes are on; every category not posted is off (a form with none checked posts none)."""
    categories = categories or []
    known = {c.key for c in CATEGORIES}
    unknown = sorted(set(categories) - known)
    if unknown:
        raise ValidationFailed.field("categories", f"Unknown email categories: {', '.join(unknown)}")
    changes = {key: key in categories for key in sorted(known)}
    changed = await update_preferences(db, page.user.id, changes, via="settings")
    if changed:
        _audit(db, page, "account.notifications_updated", changed)
    response = RedirectResponse("/settings/account#notifications", status_code=303)
    flash(page.request, response, "Your email preferences are saved." if changed else "Nothing to change.")
    return response
