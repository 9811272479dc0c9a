"""Log in, sign up, log out (HTML)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mandate.account.api import begin_browser_session, login_user
from mandate.account.cookies import clear_session_cookies
from mandate.account.flows import sign_up
from mandate.account.service import end_session
from mandate.kit.errors import AppError
from mandate.kit.session import DbSession
from mandate.organization import repository as org_repo
from mandate.web.deps import PageDep, SameOrigin, safe_next
from mandate.web.flash import flash
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)


def field_errors(error: AppError) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


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
async def logout(request: Request, page: PageDep) -> Response:
    resolved = getattr(request.state, "resolved", None)
    if resolved is not None and resolved.session is not None:
        end_session(resolved.session)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookies(response)
    flash(request, response, "You have logged out.")
    return response
