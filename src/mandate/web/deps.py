"""What every HTML page needs: the viewer, their organizations, CSRF token and flash messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlparse

from fastapi import Depends, Request

from mandate.authz.context import OrgContext
from mandate.authz.dependencies import SESSION_COOKIE, MaybeResolved, csrf_token_for
from mandate.authz.roles import Permission, Role
from mandate.kit.errors import AppError, CsrfFailed, NotFound
from mandate.organization.models import Organization
from mandate.web.flash import read_flashes


class LoginRequired(AppError):
    status = 401
    code = "not_authenticated"
    title = "Log in to continue"


@dataclass
class Page:
    """Template context shared by every page."""

    request: Request
    user: Any = None
    org: Any = None  # Organization, or a ViewerOrg copy on error pages
    role: Role | None = None
    organizations: list[Organization] = field(default_factory=list)
    csrf_token: str = ""
    flashes: list[dict[str, Any]] = field(default_factory=list)

    def can(self, permission: str) -> bool:
        from mandate.authz.roles import has_permission

        return self.role is not None and has_permission(self.role, Permission(permission))

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"page": self, **extra}


async def get_page(request: Request, resolved: MaybeResolved) -> Page:
    page = Page(request=request, flashes=read_flashes(request))
    if resolved is None or resolved.session is None:
        return page
    page.user, page.org, page.role = resolved.user, resolved.organization, resolved.role
    page.organizations = [o for _m, o in resolved.memberships]
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        page.csrf_token = csrf_token_for(request.app.state.secret_key, cookie)
    return page


PageDep = Annotated[Page, Depends(get_page)]


async def require_user(page: PageDep) -> Page:
    if page.user is None:
        raise LoginRequired()
    return page


async def require_org(page: PageDep) -> tuple[Page, OrgContext]:
    if page.user is None:
        raise LoginRequired()
    if page.org is None or page.role is None:
        raise NotFound("You do not belong to an organization yet")
    resolved = page.request.state.resolved
    return page, OrgContext(user=page.user, organization=page.org, role=page.role, session=resolved.session)


async def require_staff_page(page: PageDep) -> Page:
    if page.user is None:
        raise LoginRequired()
    if not page.user.is_staff:
        raise NotFound()
    return page


UserPage = Annotated[Page, Depends(require_user)]
OrgPage = Annotated[tuple[Page, OrgContext], Depends(require_org)]
StaffPage = Annotated[Page, Depends(require_staff_page)]


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target)}"


def safe_next(value: str | None, default: str = "/deals") -> str:
    """Only same-site paths; never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or urlparse(value).netloc:
        return default
    return value


async def check_same_origin(request: Request) -> None:
    """Forms posted before a session exists (login, sign-up) must come from our own pages."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = urlparse(request.app.state.settings.base_url)
        got = urlparse(origin)
        if (got.scheme, got.netloc) != (expected.scheme, expected.netloc) and got.netloc != request.url.netloc:
            raise CsrfFailed()


SameOrigin = Depends(check_same_origin)
