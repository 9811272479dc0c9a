"""API tokens tab: create (the secret is shown once), list, revoke (HTML)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from fastapi.responses import Response

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.kit.db import utcnow
from mandate.kit.errors import AppError, ValidationFailed
from mandate.kit.session import DbSession
from mandate.organization import repository, service
from mandate.organization.models import ApiToken
from mandate.organization.pages import BASE, done, render_tab, require_tab
from mandate.web.deps import OrgPage, Page
from mandate.web.formkit import field_errors, rollback_page

router = APIRouter(include_in_schema=False)
PATH = f"{BASE}/tokens"
LONDON = ZoneInfo("Europe/London")
NO_STORE = {"Cache-Control": "no-store"}


def end_of_day(raw: str) -> datetime | None:
    """A date typed in the form means "valid through that day", UK time."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed.field("expires_on", "Enter a date like 2027-01-31") from None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON)


async def _tokens_page(
    page: Page,
    ctx: OrgContext,
    db: DbSession,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    tokens = await repository.tokens(db)
    names = {u.id: u.full_name for _m, u in await repository.members(db)}
    extra.setdefault("form", {"name": "", "expires_on": ""})
    return render_tab(
        page,
        ctx,
        "tokens",
        "organization/tokens.html",
        active=[t for t in tokens if t.revoked_at is None],
        revoked=[t for t in tokens if t.revoked_at is not None][:20],
        creators=names,
        now=utcnow(),
        status_code=status_code,
        headers=headers,
        **extra,
    )


@router.get(PATH)
async def tokens(org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    require_tab(ctx, Permission.TOKENS_MANAGE, "manage API tokens")
    return await _tokens_page(page, ctx, db)


@router.post(PATH)
async def create(
    org_page: OrgPage,
    db: DbSession,
    name: Annotated[str, Form(max_length=200)] = "",
    expires_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    page, ctx = org_page
    require_tab(ctx, Permission.TOKENS_MANAGE, "manage API tokens")
    form = {"name": name, "expires_on": expires_on}
    try:
        token, secret = await service.create_token(db, ctx, name=name, expires_at=end_of_day(expires_on))
    except AppError as error:
        await rollback_page(db, page)
        return await _tokens_page(
            page,
            ctx,
            db,
            form=form,
            errors=field_errors(error, {"expires_at": "expires_on"}),
            status_code=error.status,
        )
    # The secret exists only in this response: render it now instead of redirecting.
    created: tuple[ApiToken, str] = (token, secret)
    return await _tokens_page(page, ctx, db, created=created, status_code=201, headers=NO_STORE)


@router.post(f"{PATH}/{{token_id}}/revoke")
async def revoke(token_id: uuid.UUID, org_page: OrgPage, db: DbSession) -> Response:
    page, ctx = org_page
    token = await service.revoke_token(db, ctx, token_id)
    return done(page, PATH, f"Token “{token.name}” revoked. Requests using it now fail.")
