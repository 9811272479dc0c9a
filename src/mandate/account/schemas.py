from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    full_name: str = Field(max_length=120)
    organization_name: str = Field(max_length=120)


class LoginIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class TokenLoginIn(LoginIn):
    organization: str | None = Field(default=None, max_length=48, description="Organization slug")


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordResetIn(BaseModel):
    email: str = Field(max_length=254)


class PasswordResetRequested(BaseModel):
    detail: str


class PasswordResetConfirmIn(BaseModel):
    token: str = Field(max_length=600, description="The token from the emailed link")
    password: str = Field(max_length=256)


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str


class OrganizationOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    tier: str


class SignupOut(BaseModel):
    user: UserOut
    organization: OrganizationOut


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    organization: OrganizationOut


class Entitlements(BaseModel):
    features: dict[str, bool]
    limits: dict[str, int | None]


class MeOut(BaseModel):
    user: UserOut
    organization: OrganizationOut | None = Field(description="None when you belong to no organization")
    role: str | None
    tier: str | None
    entitlements: Entitlements | None
    is_staff: bool
    csrf_token: str | None = Field(description="Send as X-CSRF-Token with cookie-authenticated writes")
