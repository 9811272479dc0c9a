"""Who is acting, for which organization, with which role."""

from __future__ import annotations

from dataclasses import dataclass

from mandate.account.models import User, UserSession
from mandate.authz.roles import Permission, Role, has_permission
from mandate.kit.errors import PermissionDenied
from mandate.organization.models import ApiToken, Organization


@dataclass
class Caller:
    """An authenticated user, maybe without an organization (a removed member)."""

    user: User
    session: UserSession | None = None
    token: ApiToken | None = None

    @property
    def is_staff(self) -> bool:
        return self.user.is_staff


@dataclass
class OrgContext:
    user: User
    organization: Organization
    role: Role
    session: UserSession | None = None
    token: ApiToken | None = None

    @property
    def actor_label(self) -> str:
        if self.token is not None:
            return f"token:{self.token.name} ({self.user.email})"
        return self.user.email

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"The {self.role.value} role cannot do this ({permission.value})")
