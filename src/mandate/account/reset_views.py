"""Forgot password: ask for a link, then choose a new password from it (HTML)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from mandate.account.api import begin_browser_session, client_ip, reset_policy
from mandate.account.reset import ResetLinkInvalid, request_reset, reset_password, user_for_token
from mandate.account.service import clear_login_failures
from mandate.kit.errors import AppError, ValidationFailed
from mandate.kit.session import DbSession
from mandate.organization import repository as org_repo
from mandate.web.deps import Page, PageDep, SameOrigin
from mandate.web.flash import flash
from mandate.web.formkit import field_errors, rollback_page
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
REQUEST_PATH = "/password-reset"
CONFIRM_PATH = "/password-reset/confirm"
# The token is in the address: keep it out of Referer headers and caches.
PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _request_page(page: Page, *, state: str, status_code: int = 200, **extra: Any) -> Response:
    extra.setdefault("form", {})
    extra.setdefault("errors", {})
    extra.setdefault("error", None)
    minutes = page.request.app.state.settings.password_reset_minutes
    context = page.context(state=state, minutes=minutes, **extra)
    return render(page.request, "account/reset_request.html", context, status_code=status_code)


@router.get(REQUEST_PATH)
async def request_page(page: PageDep) -> Response:
    return _request_page(page, state="form")


@router.post(REQUEST_PATH, dependencies=[SameOrigin])
async def request_submit(
    request: Request, page: PageDep, db: DbSession, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    try:
        request_reset(db, reset_policy(request), email=email, ip=client_ip(request))
    except AppError as error:
        await rollback_page(db, page)
        return _request_page(
            page,
            state="form",
            form={"email": email},
            errors=field_errors(error),
            error=error,
            status_code=error.status,
        )
    return RedirectResponse(f"{REQUEST_PATH}/sent", status_code=303)


@router.get(f"{REQUEST_PATH}/sent")
async def request_sent(page: PageDep) -> Response:
    return _request_page(page, state="sent")


def _confirm_page(page: Page, token: str, *, status_code: int = 200, **extra: Any) -> Response:
    extra.setdefault("errors", {})
    extra.setdefault("state", "form")
    context = page.context(token=token, **extra)
    return render(page.request, "account/reset_confirm.html", context, status_code=status_code, headers=PRIVATE)


@router.get(CONFIRM_PATH)
async def confirm_page(page: PageDep, db: DbSession, token: Annotated[str, Query(max_length=600)] = "") -> Response:
    try:
        user = await user_for_token(db, page.request.app.state.settings, token)
    except ResetLinkInvalid as error:
        return _confirm_page(page, "", state="invalid", error=error, status_code=error.status)
    return _confirm_page(page, token, email=user.email)


@router.post(CONFIRM_PATH, dependencies=[SameOrigin])
async def confirm_submit(
    request: Request,
    page: PageDep,
    db: DbSession,
    token: Annotated[str, Form(max_length=600)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    confirm_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    settings = request.app.state.settings
    try:
        if confirm_password != password:
            await user_for_token(db, settings, token)  # an unusable link matters more than a typo
            raise ValidationFailed.field("confirm_password", "The two passwords do not match")
        user = await reset_password(db, settings, token=token, password=password)
    except ResetLinkInvalid as error:
        await rollback_page(db, page)
        return _confirm_page(page, "", state="invalid", error=error, status_code=error.status)
    except AppError as error:
        await rollback_page(db, page)
        found = await user_for_token(db, settings, token)
        return _confirm_page(page, token, email=found.email, errors=field_errors(error), status_code=error.status)
    clear_login_failures(request.app.state.login_policy, user.email)
    memberships = await org_repo.memberships_of_user(db, user.id)
    response = RedirectResponse("/deals", status_code=303)
    await begin_browser_session(request, response, db, user, memberships[0][1] if memberships else None)
    flash(request, response, "Your password is changed and you are logged in. Every other session was logged out.")
    return response
