"""Live updates: two members of one organization in two browsers; what one changes, the other sees
without reloading (Server-Sent Events re-fetch the board and the deal page)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.flows import (
    api_create_deal,
    api_token,
    board_column,
    deal_card,
    staff_set_tier,
    start_as_new_owner,
    unique,
)
from tests.e2e.harness import LiveServer, Pilot, Visitor
from tests.e2e.test_pipeline import move_on_board


def _invite(server: LiveServer, token: str, email: str) -> str:
    with server.api(token) as client:
        response = client.post("/api/organizations/current/invitations", json={"email": email, "role": "member"})
    assert response.status_code == 201, response.text
    url: str = response.json()["accept_url"]
    return url.removeprefix(server.url)


def _join(pilot: Pilot, accept_path: str, full_name: str) -> None:
    page = pilot.visit(accept_path)
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Password").fill("quiet-meadow-lantern-77")
    pilot.submit(page.get_by_role("button", name="Create account and join").click, url=re.compile(r"/deals$"))


def _assert_no_reload(pilot: Pilot) -> None:
    assert not pilot.unchecked, f"the page reloaded: {pilot.unchecked}"


class TestTwoWindows:
    def test_a_colleagues_move_and_edit_appear_without_reload(self, visitor: Visitor) -> None:
        server = visitor.server
        owner = visitor.new_pilot()
        account = start_as_new_owner(owner, "Lena", "Leeds Live Partners")
        token, org = api_token(server, account.email)
        staff_set_tier(server, org["id"], "starter")  # room for a second member
        colleague = visitor.new_pilot()
        _join(colleague, _invite(server, token, f"omar.{unique('')}@e2e.example"), "Omar Example")

        # The owner's board is open; a deal created meanwhile (through the API) appears on it.
        owner_page = owner.visit("/deals")
        api_create_deal(server, token, name="Project Kestrel", target_company="Kestrel Robotics")
        expect(deal_card(board_column(owner_page, "Sourcing"), "Project Kestrel")).to_be_visible()
        expect(owner_page.locator("#board-summary")).to_contain_text("1 open deal")
        _assert_no_reload(owner)
        owner.check("live-created")

        # The colleague moves it on their board; the owner's board follows and says who did it.
        colleague.visit("/deals")
        move_on_board(colleague, "Project Kestrel", "Screening", htmx=True)
        expect(deal_card(board_column(owner_page, "Screening"), "Project Kestrel")).to_be_visible()
        expect(deal_card(board_column(owner_page, "Sourcing"), "Project Kestrel")).to_have_count(0)
        expect(owner_page.locator("#toasts")).to_contain_text("Omar Example moved Project Kestrel to Screening.")
        _assert_no_reload(owner)
        owner.check("live-moved")

        # The owner opens the deal page; the colleague edits the deal through the (plain) edit form.
        owner_page = owner.visit(f"/deals/{_deal_id(owner_page, 'Project Kestrel')}")
        page = colleague.page
        colleague.submit(
            deal_card(page, "Project Kestrel").get_by_role("link", name="Project Kestrel").click,
            url=re.compile(r"/deals/[0-9a-f-]{36}$"),
        )
        colleague.submit(page.get_by_role("link", name="Edit deal").click, url=re.compile(r"/edit$"))
        page.get_by_label("Deal name").fill("Project Kestrel II")
        colleague.submit(
            page.get_by_role("button", name="Save changes").click, url=re.compile(r"/deals/[0-9a-f-]{36}$")
        )
        expect(owner_page.get_by_role("heading", level=1)).to_have_text("Project Kestrel II")
        expect(owner_page.get_by_role("list", name="Pipeline stages")).to_be_visible()
        expect(owner_page.locator(".timeline")).to_contain_text("Project Kestrel II")
        _assert_no_reload(owner)
        owner.check("live-edited")

        # The colleague moves it on from their deal page; the owner's deal page shows the new stage.
        control = page.get_by_label("Move Project Kestrel II to")
        control.select_option(label="Due diligence")
        colleague.submit(
            page.get_by_role("button", name="Move Project Kestrel II").click, url=re.compile(r"/deals/[0-9a-f-]{36}$")
        )
        expect(owner_page.locator(".dealtitle")).to_contain_text("Due diligence")
        _assert_no_reload(owner)
        owner.check("live-detail-moved")

    def test_a_deal_deleted_elsewhere_turns_the_open_page_into_a_notice(self, visitor: Visitor) -> None:
        server = visitor.server
        owner = visitor.new_pilot()
        account = start_as_new_owner(owner, "Nia", "Norwich Live Advisory")
        token, _org = api_token(server, account.email)
        deal = api_create_deal(server, token, name="Project Heron", target_company="Heron Foods")
        page = owner.visit(f"/deals/{deal['id']}")
        with server.api(token) as client:
            assert client.delete(f"/api/deals/{deal['id']}").status_code == 204
        expect(page.get_by_role("heading", level=1)).to_have_text("Deal not available")
        expect(page.get_by_role("note")).to_contain_text("This deal is no longer available")
        _assert_no_reload(owner)
        owner.check("live-deleted", status=200)


def _deal_id(page: Page, name: str) -> str:
    href = deal_card(page, name).get_by_role("link", name=name).get_attribute("href")
    assert href and href.startswith("/deals/"), href
    return href.removeprefix("/deals/")
