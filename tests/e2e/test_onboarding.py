"""A newcomer signs up through the browser and lands on their organization's pipeline."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import log_in, log_out, new_account, sign_up
from tests.e2e.harness import Pilot


class TestSignUp:
    def test_sign_up_creates_organization_and_lands_on_pipeline(self, pilot: Pilot) -> None:
        account = new_account("Ada", "Lovelace Partners")
        landing = pilot.visit("/")
        expect(landing.get_by_role("link", name="Start free").first).to_be_visible()

        sign_up(pilot, account)

        page = pilot.page
        expect(page).to_have_url(re.compile(r"/deals$"))
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline")).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.locator(".topbar")).to_contain_text(account.organization)
        expect(page.locator("#toasts")).to_contain_text("Welcome to Mandate, Ada")

        # The account works for a later visit too.
        log_out(pilot)
        log_in(pilot, account.email, account.password)
        expect(page.locator(".topbar")).to_contain_text(account.full_name)

    def test_sign_up_errors_are_shown_next_to_the_field(self, pilot: Pilot) -> None:
        page = pilot.visit("/signup")
        page.get_by_label("Full name").fill("Short Password")
        page.get_by_label("Work email").fill("short.password@e2e.example")
        page.get_by_label("Password").fill("short")
        page.get_by_label("Organization name").fill("Too Short Ltd")
        pilot.submit(
            page.get_by_role("button", name="Create account").click,
            url=re.compile(r"/signup$"),
            status=422,
            label="password-error",
        )
        expect(page.locator("#password-error")).not_to_be_empty()
        expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Work email")).to_have_value("short.password@e2e.example")
