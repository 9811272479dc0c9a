"""A phone-sized screen (390x844): the board and the deal page stay usable and accessible."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import api_create_deal, api_token, board_column, deal_card, start_as_new_owner
from tests.e2e.harness import Pilot, Visitor

PHONE = (390, 844)
# Horizontal scrolling of the whole page (not of a board that scrolls inside itself).
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def assert_no_sideways_scroll(pilot: Pilot) -> None:
    overflow = pilot.page.evaluate(PAGE_OVERFLOW)
    assert overflow <= 1, f"{pilot.page.url} is {overflow}px wider than a {PHONE[0]}px phone screen"


class TestPhone:
    def test_board_and_deal_page_on_a_phone(self, visitor: Visitor) -> None:
        pilot = visitor.new_pilot(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        account = start_as_new_owner(pilot, "Rae", "Reading Restructuring")
        server = visitor.server
        token, _org = api_token(server, account.email)
        deal = api_create_deal(
            server,
            token,
            name="Project Solent",
            target_company="Solent Ferries Ltd",
            industry="Transport",
            deal_size={"amount_minor": 4_750_000_000, "currency": "GBP"},
            expected_close="2027-03-31",
            description="Family-owned operator; two bidders in the frame.",
        )
        api_create_deal(server, token, name="Project Tamar", target_company="Tamar Bridges", stage="negotiation")

        page = pilot.visit("/deals")
        assert_no_sideways_scroll(pilot)
        card = deal_card(board_column(page, "Sourcing"), "Project Solent")
        expect(card).to_be_visible()
        expect(card.get_by_label("Move Project Solent to")).to_be_visible()
        # The move control works with a tap as well as the keyboard.
        card.get_by_label("Move Project Solent to").select_option(label="Screening")
        card.get_by_role("button", name="Move Project Solent").tap()
        moved = deal_card(board_column(page, "Screening"), "Project Solent")
        expect(moved).to_be_visible()
        pilot.check("moved")

        page = pilot.visit(f"/deals/{deal['id']}")
        assert_no_sideways_scroll(pilot)
        expect(page.get_by_role("heading", level=1)).to_have_text("Project Solent")
        expect(page.get_by_text("£47,500,000")).to_be_visible()
        history = page.get_by_role("region", name="History")
        expect(history).to_contain_text(re.compile("moved it from Sourcing to Screening"))
