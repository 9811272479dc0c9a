"""Helpers for HTML page tests: a browser without JavaScript posts forms with a hidden CSRF field."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from mandate.account.service import create_user
from tests.helpers.fixtures import PASSWORD, OrgFactory


async def browser(orgs: OrgFactory, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
    """A logged-in cookie client that sends no CSRF header: forms must carry the token themselves."""
    c = await orgs.login_cookie_client(email, password)
    del c.headers["X-CSRF-Token"]
    return c


async def submit(c: httpx.AsyncClient, url: str, **data: str) -> httpx.Response:
    """Post a form as a browser does, with the csrf_token hidden field."""
    return await c.post(url, data={"csrf_token": c.cookies.get("mandate_csrf", ""), **data})


def flash_text(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def field_error(html: str, name: str) -> str:
    """The text of a field's error paragraph rendered by the `field` macro."""
    match = re.search(rf'<p class="error" id="{re.escape(name)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error slot for {name}"
    return match.group(1).strip()


async def make_staff(app: Any, email: str = "staff@mandate.example") -> str:
    async with app.state.session_factory() as session:
        await create_user(session, email=email, password=PASSWORD, full_name="Platform Staff", is_staff=True)
        await session.commit()
    return email


async def make_user(app: Any, email: str, name: str = "New Person") -> str:
    async with app.state.session_factory() as session:
        await create_user(session, email=email, password=PASSWORD, full_name=name)
        await session.commit()
    return email
