"""Tiers in the browser: a free organization at its active-deal limit is offered an upgrade."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import api_create_deal, api_token, start_as_new_owner
from tests.e2e.harness import Pilot

FREE_ACTIVE_DEALS = 5


class TestDealLimit:
    def test_sixth_deal_shows_upgrade_prompt_linking_to_plans(self, pilot: Pilot) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Kit", "Kendal Capital")
        token, _org = api_token(server, account.email)
        for n in range(1, FREE_ACTIVE_DEALS + 1):
            api_create_deal(server, token, name=f"Project Limit {n}", target_company=f"Target {n} Ltd")
        with server.api(token) as client:
            refused = client.post("/api/deals", json={"name": "Project Six", "target_company": "Six Ltd"})
        assert refused.status_code == 402
        assert refused.json()["code"] == "limit_reached"

        page = pilot.visit("/deals")
        expect(page.get_by_text(f"{FREE_ACTIVE_DEALS} of {FREE_ACTIVE_DEALS}")).to_be_visible()
        # The button is still there (never a dead button): it leads to the explanation.
        pilot.submit(page.get_by_role("link", name="New deal").click, url=re.compile(r"/deals/new$"))
        prompt = page.get_by_role("alert")
        expect(prompt).to_contain_text("You have reached your plan's limit")
        expect(prompt).to_contain_text(f"You are using {FREE_ACTIVE_DEALS} of {FREE_ACTIVE_DEALS}")
        expect(page.get_by_role("button", name="Create deal")).to_have_count(0)
        upgrade = prompt.get_by_role("link", name=re.compile("Starter plan"))
        expect(upgrade).to_have_attribute("href", re.compile(r"^/plans"))

        pilot.submit(upgrade.click, url=re.compile(r"/plans(#tier-starter)?$"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        current = page.get_by_role("region", name="Free")
        expect(current).to_contain_text("Current plan")
        expect(page.get_by_role("region", name="Starter")).to_contain_text("25")

    def test_a_plain_post_past_the_limit_is_refused_with_the_prompt(self, pilot: Pilot) -> None:
        """Someone who opened the form before the limit was reached still gets the prompt (402)."""
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Lou", "Leeds Ventures")
        token, _org = api_token(server, account.email)
        for n in range(1, FREE_ACTIVE_DEALS):
            api_create_deal(server, token, name=f"Project Early {n}", target_company=f"Early {n} Ltd")
        page = pilot.visit("/deals/new")
        page.get_by_label("Deal name").fill("Project Late")
        page.get_by_label("Target company").fill("Late Arrivals Ltd")
        api_create_deal(server, token, name="Project Fifth", target_company="Fifth Ltd")
        pilot.submit(
            page.get_by_role("button", name="Create deal").click,
            url=re.compile(r"/deals/new$"),
            status=402,
            label="limit",
        )
        expect(page.get_by_role("alert")).to_contain_text("You have reached your plan's limit")
        expect(page.get_by_role("link", name="Compare plans")).to_have_attribute("href", "/plans")
