from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mandate.authz.roles import Role


class OrganizationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=120)
    slug: str | None = Field(default=None, max_length=48)


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    joined_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    role: Role = Role.MEMBER


class InvitationCreated(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    accept_url: str
    expires_at: datetime


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime
    created_at: datetime


class InvitationList(BaseModel):
    items: list[InvitationOut]


class InvitationAccept(BaseModel):
    token: str = Field(max_length=500)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=80)
    expires_at: datetime | None = None


class TokenCreated(BaseModel):
    id: uuid.UUID
    name: str
    token: str = Field(description="Shown once; store it now")
    expires_at: datetime | None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


class TokenList(BaseModel):
    items: list[TokenOut]


class SwitchOrganization(BaseModel):
    slug: str = Field(max_length=48)
