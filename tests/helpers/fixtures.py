"""Actors: users with a role in an organization, each with an HTTP client that acts as them."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mandate.account.models import User
from mandate.account.passwords import hash_password
from mandate.authz.context import OrgContext
from mandate.authz.roles import Role
from mandate.organization.models import Membership, Organization
from mandate.organization.service import create_organization, create_token

PASSWORD = "correct horse battery staple"
_counter = itertools.count()


@functools.cache
def password_hash() -> str:
    """Hashed once: argon2id is deliberately slow, and sign-up itself has its own tests."""
    return hash_password(PASSWORD)


def _user(session: Any, email: str, full_name: str) -> User:
    user = User(id=uuid.uuid4(), email=email, full_name=full_name, password_hash=password_hash())
    session.add(user)
    return user


@dataclass
class Actor:
    user_id: uuid.UUID
    email: str
    org_id: uuid.UUID
    org_slug: str
    role: Role
    client: httpx.AsyncClient = field(repr=False)


@dataclass
class Org:
    id: uuid.UUID
    slug: str
    tier: str
    actors: dict[Role, Actor]

    @property
    def owner(self) -> Actor:
        return self.actors[Role.OWNER]

    @property
    def admin(self) -> Actor:
        return self.actors[Role.ADMIN]

    @property
    def member(self) -> Actor:
        return self.actors[Role.MEMBER]

    @property
    def viewer(self) -> Actor:
        return self.actors[Role.VIEWER]

    def __getitem__(self, role: str) -> Actor:
        return self.actors[Role(role)]


def client_for(app: Any, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers)


class OrgFactory:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.clients: list[httpx.AsyncClient] = []

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        c = client_for(self.app, token)
        self.clients.append(c)
        return c

    async def create(
        self,
        *,
        tier: str = "free",
        roles: tuple[str, ...] = ("owner", "admin", "member", "viewer"),
        name: str | None = None,
    ) -> Org:
        n = next(_counter)
        factory = self.app.state.session_factory
        actors: dict[Role, Actor] = {}
        async with factory() as session:
            owner = _user(session, f"owner{n}@org{n}.example", f"Owner {n}")
            org: Organization = await create_organization(session, name=name or f"Org {n}", owner=owner)
            org.tier = tier
            users = {Role.OWNER: owner}
            for role_name in roles:
                role = Role(role_name)
                if role is Role.OWNER:
                    continue
                user = _user(session, f"{role.value}{n}@org{n}.example", f"{role.value.title()} {n}")
                session.add(Membership(organization_id=org.id, user_id=user.id, role=role.value))
                users[role] = user
            await session.flush()
            for role, user in users.items():
                ctx = OrgContext(user=user, organization=org, role=role)
                _token, secret = await create_token(session, ctx, name="tests", expires_at=None, check_permission=False)
                actors[role] = Actor(user.id, user.email, org.id, org.slug, role, self.client(secret))
            await session.commit()
        return Org(org.id, org.slug, tier, actors)

    async def login_cookie_client(self, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
        """A browser-like client: session cookie plus the CSRF header, as htmx sends it."""
        c = self.client()
        response = await c.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 204, response.text
        c.headers["X-CSRF-Token"] = c.cookies["mandate_csrf"]
        return c


@pytest.fixture
async def orgs(app: Any) -> AsyncIterator[OrgFactory]:
    factory = OrgFactory(app)
    yield factory
    for c in factory.clients:
        await c.aclose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


class LiveCapture:
    """What the app's live bus published on some channels since `watch` (after-commit events)."""

    def __init__(self, app: Any) -> None:
        self.bus = app.state.runtime.live
        self.cursors: dict[str, str] = {}

    async def watch(self, *channels: str) -> None:
        self.cursors.update(await self.bus.positions(channels))

    async def events(self) -> list[Any]:
        """Everything published so far (requests publish before their response is sent)."""
        found: list[Any] = await self.bus.read(self.cursors, 0)
        return found


@pytest.fixture
def capture_live_events(app: Any) -> LiveCapture:
    return LiveCapture(app)
