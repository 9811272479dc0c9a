"""The staff console: organizations and their tiers, users, the platform-wide audit log (HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response

from mandate.audit.views import Filters, action_label, details, load_page
from mandate.authz.context import Caller
from mandate.billing.tiers import TIERS, TIERS_BY_KEY
from mandate.kit.errors import AppError
from mandate.kit.pagination import MAX_LIMIT
from mandate.kit.session import DbSession
from mandate.staff import repository, service
from mandate.web.deps import Page, StaffPage
from mandate.web.flash import flash
from mandate.web.formkit import rollback_page
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
TABS = (
    ("organizations", "Organizations", "/staff"),
    ("users", "Users", "/staff/users"),
    ("audit", "Audit log", "/staff/audit"),
    ("jobs", "Jobs", "/staff/jobs"),
    ("mailbox", "Mailbox", "/staff/mailbox"),
)


def render_tab(page: Page, tab: str, template: str, *, status_code: int = 200, **extra: Any) -> Response:
    return render(page.request, template, page.context(tabs=TABS, tab=tab, **extra), status_code=status_code)


@router.get("/staff")
async def organizations(page: StaffPage, db: DbSession, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    rows = await repository.organizations(db, q.strip() or None, limit=MAX_LIMIT)
    return render_tab(page, "organizations", "staff/organizations.html", rows=rows, q=q, tiers=TIERS)


@router.post("/staff/organizations/{org_id}/tier")
async def change_tier(
    org_id: uuid.UUID,
    page: StaffPage,
    db: DbSession,
    tier: Annotated[str, Form(max_length=20)] = "",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    back = f"/staff?{urlencode({'q': q})}" if q else "/staff"
    resolved = page.request.state.resolved
    try:
        org = await service.change_tier(db, Caller(page.user, resolved.session), org_id, tier)
    except AppError as error:
        if error.status == 404:
            raise
        await rollback_page(db, page)
        response = RedirectResponse(back, status_code=303)
        flash(page.request, response, error.detail, "error")
        return response
    response = RedirectResponse(back, status_code=303)
    flash(page.request, response, f"{org.name} is now on the {TIERS_BY_KEY[org.tier].name} plan.")
    return response


@router.get("/staff/users")
async def users(page: StaffPage, db: DbSession, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    found = await repository.users(db, q.strip() or None, limit=MAX_LIMIT)
    return render_tab(page, "users", "staff/users.html", users=found, q=q)


@router.get("/staff/audit")
async def audit(
    page: StaffPage,
    db: DbSession,
    organization: Annotated[str, Query(max_length=40)] = "",
    action: Annotated[str, Query(max_length=80)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    orgs = await repository.organizations(db, None, limit=MAX_LIMIT)
    filters = Filters(action=action.strip())
    flt = filters.audit_filter()
    try:
        flt.organization_id = uuid.UUID(organization) if organization else None
    except ValueError:
        filters.errors["organization"] = "Choose an organization from the list"
    entries, next_token = await load_page(db, flt, cursor, filters.errors, all_orgs=True)
    query = {"organization": organization, "action": filters.action}
    base = urlencode({k: v for k, v in query.items() if v})
    return render_tab(
        page,
        "audit",
        "staff/audit.html",
        orgs=[o for o, _n in orgs],
        org_names={o.id: o.name for o, _n in orgs},
        organization=organization,
        filters=filters,
        rows=[(e, action_label(e.action), details(e), None) for e in entries],  # staff do not open other orgs' deals
        next_href=f"/staff/audit?{base}{'&' if base else ''}cursor={next_token}" if next_token else None,
        first_href=f"/staff/audit?{base}" if cursor else None,
    )
