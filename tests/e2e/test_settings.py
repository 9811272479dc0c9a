"""Settings, plans, the audit log and the staff console: each works and passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import api_create_deal, api_token, log_in, start_as_new_owner
from tests.e2e.harness import Pilot, Visitor

ORG_TABS = ["General", "Members", "Invitations", "API tokens", "Plan and usage"]


class TestOwnerPages:
    def test_account_and_organization_settings(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Max", "Manchester Mandates")
        page = pilot.page

        # Account settings from the user menu.
        page.locator("details.usermenu summary").click()
        pilot.submit(page.get_by_role("link", name="Account settings").click, url=re.compile(r"/settings/account$"))
        page.get_by_label("Full name").fill("Max Renamed")
        pilot.submit(page.get_by_role("button", name="Save profile").click, url=re.compile(r"/settings/account$"))
        expect(page.locator(".topbar")).to_contain_text("Max Renamed")

        # Every organization settings tab, through the tab bar.
        pilot.submit(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Organization").click,
            url=re.compile(r"/settings/organization$"),
        )
        tabs = page.get_by_role("navigation", name="Organization settings")
        expect(tabs.get_by_role("link")).to_have_text(ORG_TABS)
        for tab in ORG_TABS[1:]:
            pilot.submit(tabs.get_by_role("link", name=tab).click, url=re.compile(r"/settings/organization/"))
            expect(tabs.get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("main")).to_contain_text("Free")

        # An API token is shown once, then listed.
        pilot.visit("/settings/organization/tokens")
        page.get_by_label("Token name").fill("CRM sync")
        pilot.submit(
            page.get_by_role("button", name="Create token").click,
            url=re.compile(r"/settings/organization/tokens"),
            status=201,  # the secret is rendered once, in the response to the post
            label="created",
        )
        secret = page.get_by_label("New API token").input_value()
        assert len(secret) >= 20
        with pilot.visitor.server.api(secret) as client:
            me = client.get("/api/me")
        assert me.status_code == 200 and me.json()["user"]["email"] == account.email

    def test_plans_page_shows_every_tier_and_the_current_one(self, visitor: Visitor) -> None:
        anonymous = visitor.new_pilot()
        page = anonymous.visit("/plans")
        for tier in ("Free", "Starter", "Professional", "Enterprise"):
            expect(page.get_by_role("region", name=tier)).to_be_visible()
        expect(page.get_by_role("region", name="Starter")).to_contain_text("£279")
        expect(page.get_by_role("region", name="Professional")).to_contain_text("£598")
        expect(page.get_by_role("region", name="Enterprise")).to_contain_text("£1,598")

        owner = visitor.new_pilot()
        start_as_new_owner(owner, "Nia", "Norwich Partners")
        page = owner.visit("/plans")
        expect(page.get_by_role("region", name="Free")).to_contain_text("Current plan")
        expect(page.get_by_role("region", name="Starter")).not_to_contain_text("Current plan")

    def test_audit_log_lists_and_filters_changes(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Ola", "Oxford Owners")
        token, _org = api_token(pilot.visitor.server, account.email)
        api_create_deal(pilot.visitor.server, token, name="Project Pilgrim", target_company="Pilgrim Tours")
        page = pilot.page
        pilot.submit(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click,
            url=re.compile(r"/audit$"),
        )
        rows = page.locator("#audit-results tbody tr")
        expect(rows.first).to_be_visible()
        expect(page.locator("#audit-results")).to_contain_text("deal.created")
        expect(page.get_by_role("link", name=re.compile("Export CSV"))).to_be_visible()

        page = pilot.visit("/audit?action=deal.created")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(account.email)


class TestStaffConsole:
    def test_staff_see_organizations_users_and_audit_and_change_a_tier(self, visitor: Visitor) -> None:
        server = visitor.server
        customer = visitor.new_pilot()
        account = start_as_new_owner(customer, "Pat", "Plymouth Private Equity")

        staff = visitor.new_pilot()
        log_in(staff, server.staff.email, server.staff.password, next="/staff", lands_on=r"/staff$")
        page = staff.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff console")
        page.get_by_label("Search organizations").fill(account.organization)
        staff.submit(page.get_by_role("button", name="Search").click, url=re.compile(r"/staff\?q="), label="search")
        row = page.get_by_role("row").filter(has_text=account.organization)
        expect(row).to_have_count(1)
        row.get_by_label(f"Plan for {account.organization}").select_option(label="Professional")
        staff.submit(row.get_by_role("button", name="Save").click, url=re.compile(r"/staff"), label="tier-changed")
        expect(page.locator("#toasts")).to_contain_text(f"{account.organization} is now on the Professional plan")

        tabs = page.get_by_role("navigation", name="Staff console")
        staff.submit(tabs.get_by_role("link", name="Users").click, url=re.compile(r"/staff/users"))
        expect(page.get_by_role("main")).to_contain_text(account.email)
        staff.submit(tabs.get_by_role("link", name="Audit log").click, url=re.compile(r"/staff/audit"))
        expect(page.get_by_role("main")).to_contain_text("organization.tier_changed")

        # The customer sees the new plan at once.
        page = customer.visit("/plans")
        expect(page.get_by_role("region", name="Professional")).to_contain_text("Current plan")

    def test_non_staff_get_the_not_found_page(self, pilot: Pilot) -> None:
        start_as_new_owner(pilot, "Quin", "Quorn Capital")
        page = pilot.visit("/staff", status=404)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff")).to_have_count(0)
        pilot.visit(f"/deals/{'0' * 8}-0000-4000-8000-{'0' * 12}", status=404)
