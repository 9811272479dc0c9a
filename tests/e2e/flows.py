"""Steps the browser tests share: sign up, log in, and fast set-up through the JSON API."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

from mandate.authz.dependencies import CSRF_COOKIE
from tests.e2e.harness import LiveServer, Pilot

PASSWORD = "granite-harbour-ledger-42"
_counter = itertools.count(1)
_RUN = f"{int(time.time()) % 100000:05d}"


def unique(prefix: str) -> str:
    """A value no other test (or earlier run against the same database) uses."""
    return f"{prefix}{_RUN}{next(_counter):03d}"


@dataclass
class Account:
    full_name: str
    email: str
    organization: str
    password: str = PASSWORD


def new_account(first_name: str, organization: str) -> Account:
    tag = unique("")
    return Account(
        full_name=f"{first_name} Example",
        email=f"{first_name.lower()}.{tag}@e2e.example",
        organization=f"{organization} {tag}",
    )


def sign_up(pilot: Pilot, account: Account) -> None:
    """Through the /signup page; lands on the pipeline."""
    page = pilot.visit("/signup")
    page.get_by_label("Full name").fill(account.full_name)
    page.get_by_label("Work email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_label("Organization name").fill(account.organization)
    pilot.submit(page.get_by_role("button", name="Create account").click, url=re.compile(r"/deals$"))


def log_in(pilot: Pilot, email: str, password: str, *, lands_on: str = r"/deals$", next: str = "") -> None:
    page = pilot.visit(f"/login?next={next}" if next else "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    pilot.submit(page.get_by_role("button", name="Log in").click, url=re.compile(lands_on))


def log_out(pilot: Pilot) -> None:
    page = pilot.page
    page.locator("details.usermenu summary").click()
    pilot.submit(page.get_by_role("button", name="Log out").click, url=re.compile(r"/login"))


def expect_heading(pilot: Pilot, name: str | re.Pattern[str]) -> None:
    expect(pilot.page.get_by_role("heading", level=1)).to_contain_text(name)


# JSON API set-up (fast; the browser tests the UI, not these steps) ---------------------------


def api_sign_up(server: LiveServer, account: Account) -> dict[str, Any]:
    with server.api() as client:
        response = client.post(
            "/api/auth/signup",
            json={
                "email": account.email,
                "password": account.password,
                "full_name": account.full_name,
                "organization_name": account.organization,
            },
        )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def api_token(server: LiveServer, email: str, password: str = PASSWORD) -> tuple[str, dict[str, Any]]:
    """An org-scoped bearer token and the organization it is for."""
    with server.api() as client:
        response = client.post("/api/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["access_token"], body["organization"]


def api_create_deal(server: LiveServer, token: str, **fields: Any) -> dict[str, Any]:
    with server.api(token) as client:
        response = client.post("/api/deals", json=fields)
    assert response.status_code == 201, response.text
    deal: dict[str, Any] = response.json()
    return deal


def staff_set_tier(server: LiveServer, organization_id: str, tier: str) -> None:
    """Platform staff change an organization's plan (there is no self-serve payment yet)."""
    with server.api() as client:
        login = client.post("/api/auth/login", json={"email": server.staff.email, "password": server.staff.password})
        assert login.status_code == 204, login.text
        response = client.patch(
            f"/api/staff/organizations/{organization_id}",
            json={"tier": tier},
            headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]},
        )
    assert response.status_code == 200, response.text
    assert response.json()["tier"] == tier


def start_as_new_owner(pilot: Pilot, first_name: str, organization: str) -> Account:
    """A fresh organization (made through the API) whose owner logs in through the browser."""
    account = new_account(first_name, organization)
    api_sign_up(pilot.visitor.server, account)
    log_in(pilot, account.email, account.password)
    return account


# The pipeline board ---------------------------------------------------------------------------

STAGES = ["Sourcing", "Screening", "Due diligence", "Negotiation", "Closing", "Won", "Lost"]


def board_column(page: Page, stage_label: str) -> Locator:
    """A stage column: a region named by its heading, e.g. "Due diligence 1 deal"."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(stage_label)}\b"))


def deal_card(scope: Page | Locator, deal_name: str) -> Locator:
    return scope.get_by_role("article", name=deal_name, exact=True)


def create_deal_in_browser(pilot: Pilot, name: str, target: str, *, industry: str = "", size: str = "") -> str:
    """Through /deals/new; returns the new deal's id (from the deal page it lands on)."""
    page = pilot.visit("/deals/new")
    page.get_by_label("Deal name").fill(name)
    page.get_by_label("Target company").fill(target)
    if industry:
        page.get_by_label("Industry").fill(industry)
    if size:
        page.get_by_label("Deal size").fill(size)
    pilot.submit(page.get_by_role("button", name="Create deal").click, url=re.compile(r"/deals/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return page.url.rsplit("/", 1)[1]
