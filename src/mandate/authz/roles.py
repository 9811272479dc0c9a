"""The one map from roles to permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Permission(StrEnum):
    ORG_READ = "org.read"
    ORG_MANAGE = "org.manage"
    MEMBERS_MANAGE = "members.manage"
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_READ = "audit.read"
    DEAL_READ = "deal.read"
    DEAL_WRITE = "deal.write"
    DEAL_DELETE = "deal.delete"
    DOCUMENT_READ = "document.read"
    DOCUMENT_WRITE = "document.write"
    TEMPLATE_MANAGE = "template.manage"
    EVENT_READ = "event.read"
    EVENT_WRITE = "event.write"


_VIEWER = {Permission.ORG_READ, Permission.DEAL_READ, Permission.DOCUMENT_READ, Permission.EVENT_READ}
_MEMBER = _VIEWER | {Permission.DEAL_WRITE, Permission.DOCUMENT_WRITE, Permission.EVENT_WRITE}
_ADMIN = _MEMBER | {
    Permission.ORG_MANAGE,
    Permission.MEMBERS_MANAGE,
    Permission.TOKENS_MANAGE,
    Permission.AUDIT_READ,
    Permission.DEAL_DELETE,
    Permission.TEMPLATE_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.MEMBER: frozenset(_MEMBER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_ADMIN),
}

# Roles an admin may hand out; only owners create or demote owners.
ASSIGNABLE_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset({Role.ADMIN, Role.MEMBER, Role.VIEWER}),
    Role.MEMBER: frozenset(),
    Role.VIEWER: frozenset(),
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
