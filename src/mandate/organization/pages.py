"""Shared pieces of the organization settings pages: the tabs and how a tab is rendered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import RedirectResponse, Response

from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.kit.errors import PermissionDenied
from mandate.web.deps import Page
from mandate.web.flash import flash
from mandate.web.templating import render

BASE = "/settings/organization"


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    path: str
    permission: Permission | None = None


TABS = (
    Tab("general", "General", BASE),
    Tab("members", "Members", f"{BASE}/members"),
    Tab("invitations", "Invitations", f"{BASE}/invitations", Permission.MEMBERS_MANAGE),
    Tab("tokens", "API tokens", f"{BASE}/tokens", Permission.TOKENS_MANAGE),
    Tab("plan", "Plan and usage", f"{BASE}/plan"),
)


def visible_tabs(ctx: OrgContext) -> list[Tab]:
    return [t for t in TABS if t.permission is None or ctx.can(t.permission)]


def require_tab(ctx: OrgContext, permission: Permission, what: str) -> None:
    if not ctx.can(permission):
        raise PermissionDenied(f"Only owners and admins can {what}. Your role is {ctx.role.value}.")


def render_tab(
    page: Page,
    ctx: OrgContext,
    tab: str,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    return render(
        page.request,
        template,
        page.context(tabs=visible_tabs(ctx), tab=tab, ctx=ctx, errors=extra.pop("errors", {}), **extra),
        status_code=status_code,
        headers=headers,
    )


def done(page: Page, path: str, message: str, kind: str = "success") -> Response:
    """The end of every successful form post: 303 back to a page, with a flash message."""
    response = RedirectResponse(path, status_code=303)
    flash(page.request, response, message, kind)
    return response
