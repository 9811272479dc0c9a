"""The deals pipeline in the browser: create, move across the board, history, list and filters."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import (
    api_create_deal,
    api_token,
    board_column,
    create_deal_in_browser,
    deal_card,
    start_as_new_owner,
)
from tests.e2e.harness import Pilot, Visitor


def move_on_board(pilot: Pilot, deal_name: str, to_stage: str, *, htmx: bool) -> None:
    """Use the card's keyboard-accessible control: choose a stage, then Tab to Move and press Enter."""
    page = pilot.page
    card = deal_card(page, deal_name)
    control = card.get_by_label(f"Move {deal_name} to")
    control.focus()
    control.select_option(label=to_stage)
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name=f"Move {deal_name}")).to_be_focused()
    stage_slug = to_stage.lower().replace(" ", "-")
    if htmx:
        with page.expect_response(re.compile(r"/deals/[0-9a-f-]+/move$")) as posted:
            page.keyboard.press("Enter")
        response = posted.value
        assert response.request.headers.get("hx-request") == "true", "the move did not go through htmx"
        assert response.status == 200, f"htmx move answered {response.status}"
        moved = deal_card(board_column(page, to_stage), deal_name)
        expect(moved).to_be_visible()
        expect(page.locator("#toasts")).to_contain_text(f"to {to_stage}")
        # The control of the moved card keeps keyboard focus, so the next move is one keystroke away.
        expect(moved.get_by_label(f"Move {deal_name} to")).to_be_focused()
        assert not pilot.unchecked, "an htmx move should not reload the page"
        pilot.check(f"moved-{stage_slug}")
    else:
        pilot.submit(lambda: page.keyboard.press("Enter"), url=re.compile(r"/deals$"), label=f"moved-{stage_slug}")
        expect(deal_card(board_column(page, to_stage), deal_name)).to_be_visible()
        expect(page.locator("#toasts")).to_contain_text(f"to {to_stage}")


class TestCreateDeal:
    def test_create_deal_then_see_it_on_the_board(self, pilot: Pilot) -> None:
        start_as_new_owner(pilot, "Bea", "Bristol Corporate Finance")
        page = pilot.page
        expect(page.get_by_text("Your pipeline is empty")).to_be_visible()
        pilot.submit(page.get_by_role("link", name="Add your first deal").click, url=re.compile(r"/deals/new$"))

        create_deal_in_browser(pilot, "Project Lantern", "Lantern Optics Ltd", industry="Photonics", size="12.5m")
        expect(page.locator("#toasts")).to_contain_text("Created Project Lantern in Sourcing")
        expect(page.get_by_text("£12,500,000")).to_be_visible()

        pilot.submit(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click,
            url=re.compile(r"/deals$"),
        )
        card = deal_card(board_column(page, "Sourcing"), "Project Lantern")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Lantern Optics Ltd")
        expect(card).to_contain_text("Photonics")
        expect(page.get_by_text("1 of 5")).to_be_visible()

    def test_missing_fields_are_named(self, pilot: Pilot) -> None:
        start_as_new_owner(pilot, "Cal", "Cardiff Capital")
        page = pilot.visit("/deals/new")
        page.get_by_label("Deal size").fill("lots")
        pilot.submit(
            page.get_by_role("button", name="Create deal").click,
            url=re.compile(r"/deals/new$"),
            status=422,
            label="errors",
        )
        expect(page.locator("#form-error")).to_be_visible()
        expect(page.get_by_label("Deal name")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Target company")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Deal size")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Deal size")).to_have_value("lots")


class TestMoveAcrossTheBoard:
    def test_move_with_htmx_through_several_stages(self, pilot: Pilot) -> None:
        start_as_new_owner(pilot, "Dev", "Dundee Partners")
        create_deal_in_browser(pilot, "Project Meridian", "Meridian Foods")
        pilot.visit("/deals")
        for stage in ("Screening", "Due diligence", "Negotiation", "Closing"):
            move_on_board(pilot, "Project Meridian", stage, htmx=True)

        # A reload renders the card from the database in its new column, and nowhere else.
        pilot.visit("/deals")
        page = pilot.page
        expect(deal_card(board_column(page, "Closing"), "Project Meridian")).to_be_visible()
        expect(deal_card(page, "Project Meridian")).to_have_count(1)
        for stage in ("Sourcing", "Screening", "Due diligence", "Negotiation"):
            expect(board_column(page, stage)).to_contain_text("No deals in")

    def test_move_without_htmx_posts_plain_forms(self, visitor: Visitor) -> None:
        pilot = visitor.new_pilot(htmx=False)
        start_as_new_owner(pilot, "Eli", "Exeter Equity")
        create_deal_in_browser(pilot, "Project Orchard", "Orchard Cider Co")
        pilot.visit("/deals")
        for stage in ("Screening", "Due diligence", "Won"):
            move_on_board(pilot, "Project Orchard", stage, htmx=False)
        pilot.visit("/deals")
        expect(deal_card(board_column(pilot.page, "Won"), "Project Orchard")).to_be_visible()
        expect(deal_card(pilot.page, "Project Orchard")).to_have_count(1)


class TestDealHistory:
    def test_deal_page_shows_creation_and_stage_changes(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Fay", "Falmouth Advisory")
        deal_id = create_deal_in_browser(pilot, "Project Quartz", "Quartz Robotics")
        pilot.visit("/deals")
        move_on_board(pilot, "Project Quartz", "Screening", htmx=True)
        move_on_board(pilot, "Project Quartz", "Due diligence", htmx=True)

        # The deal page has the same control; it posts and comes back to the deal page.
        page = pilot.visit(f"/deals/{deal_id}")
        page.get_by_label("Move Project Quartz to").select_option(label="Negotiation")
        pilot.submit(
            page.get_by_role("button", name="Move Project Quartz").click,
            url=re.compile(rf"/deals/{deal_id}$"),
            label="after-move",
        )

        expect(page.locator(".stagesteps [aria-current='step']")).to_have_text("Negotiation")
        history = page.get_by_role("region", name="History").get_by_role("listitem")
        expect(history).to_have_count(4)
        text = " ".join(history.all_inner_texts())
        for line in (
            "created the deal in Sourcing",
            "moved it from Sourcing to Screening",
            "moved it from Screening to Due diligence",
            "moved it from Due diligence to Negotiation",
        ):
            assert line in text, f"history lacks {line!r}: {text}"
        assert account.full_name in text


class TestDealList:
    def test_search_and_filters(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Gus", "Glasgow Growth")
        token, _org = api_token(pilot.visitor.server, account.email)
        server = pilot.visitor.server
        api_create_deal(server, token, name="Project Aurora", target_company="Aurora Wind", industry="Energy")
        api_create_deal(
            server,
            token,
            name="Project Basalt",
            target_company="Basalt Quarries",
            industry="Materials",
            stage="screening",
        )
        api_create_deal(
            server,
            token,
            name="Project Cobalt",
            target_company="Cobalt Batteries",
            industry="Energy",
            stage="screening",
        )
        archived = api_create_deal(server, token, name="Project Dune", target_company="Dune Surf", industry="Leisure")
        with server.api(token) as client:
            assert client.post(f"/api/deals/{archived['id']}/archive").status_code == 200

        page = pilot.visit("/deals/list")
        rows = page.locator("#deal-results tbody tr")
        expect(rows).to_have_count(3)

        # Live search (htmx) narrows the table and keeps the address shareable.
        page.get_by_label("Search").fill("energy")
        expect(rows).to_have_count(2)
        expect(page).to_have_url(re.compile(r"q=energy"))
        expect(page.get_by_role("status").filter(has_text="found")).to_have_text("2 deals found")
        pilot.check("search")

        page.get_by_label("Stage").select_option(label="Screening")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Project Cobalt")
        pilot.check("search-stage")

        page.get_by_label("Search").fill("")
        page.get_by_label("Stage").select_option(label="Any stage")
        page.get_by_label("Show").select_option(label="Archived deals")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Project Dune")
        expect(rows.first).to_contain_text("Archived")
        pilot.check("archived")

        page.get_by_label("Show").select_option(label="Active deals")
        page.get_by_label("Search").fill("no such deal")
        expect(page.get_by_role("heading", name="No deals match these filters")).to_be_visible()
        pilot.check("no-match")

        # The filtered address works as a plain page load too.
        pilot.visit("/deals/list?q=basalt&stage=screening&owner=me")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Project Basalt")
        expect(page.get_by_label("Owner")).to_have_value("me")

    def test_filters_without_htmx(self, visitor: Visitor) -> None:
        pilot = visitor.new_pilot(htmx=False)
        account = start_as_new_owner(pilot, "Hal", "Hull Holdings")
        token, _org = api_token(pilot.visitor.server, account.email)
        for name, industry in (("Project Ion", "Energy"), ("Project Jet", "Aerospace")):
            api_create_deal(pilot.visitor.server, token, name=name, target_company=f"{name} Ltd", industry=industry)
        page = pilot.visit("/deals/list")
        page.get_by_label("Search").fill("aerospace")
        pilot.submit(page.get_by_role("button", name="Apply").click, url=re.compile(r"q=aerospace"), label="search")
        rows = page.locator("#deal-results tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Project Jet")
        page.get_by_label("Sort by").select_option(index=1)
        pilot.submit(page.get_by_role("button", name="Apply").click, url=re.compile(r"sort="), label="sorted")
        expect(rows).to_have_count(1)
