"""Invite a colleague: the owner gets a link, the colleague opens it in their own browser and joins."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import (
    api_create_deal,
    api_token,
    board_column,
    deal_card,
    staff_set_tier,
    start_as_new_owner,
    unique,
)
from tests.e2e.harness import Visitor


class TestInviteMember:
    def test_invite_then_accept_in_a_fresh_browser(self, visitor: Visitor) -> None:
        server = visitor.server
        owner = visitor.new_pilot()
        account = start_as_new_owner(owner, "Ivy", "Ipswich Mergers")
        token, org = api_token(server, account.email)
        api_create_deal(server, token, name="Project Willow", target_company="Willow Care Homes", stage="screening")
        invitee_email = f"jon.{unique('')}@e2e.example"

        # A free organization has one seat: inviting shows the upgrade prompt, not a dead button.
        page = owner.visit("/settings/organization")
        owner.submit(
            page.get_by_role("navigation", name="Organization settings").get_by_role("link", name="Invitations").click,
            url=re.compile(r"/settings/organization/invitations$"),
        )
        page.get_by_label("Email address").fill(invitee_email)
        owner.submit(
            page.get_by_role("button", name="Create invitation").click,
            url=re.compile(r"/settings/organization/invitations$"),
            status=402,
            label="seat-limit",
        )
        prompt = page.get_by_role("alert").filter(has_text="limit")
        expect(prompt).to_be_visible()
        expect(prompt.get_by_role("link", name=re.compile("Starter plan"))).to_have_attribute(
            "href", re.compile(r"^/plans")
        )

        # Platform staff move the organization to Starter (three seats); now the invitation works.
        staff_set_tier(server, org["id"], "starter")
        page = owner.visit("/settings/organization/invitations")
        page.get_by_label("Email address").fill(invitee_email)
        page.get_by_label("Role").select_option("member")
        owner.submit(
            page.get_by_role("button", name="Create invitation").click,
            url=re.compile(r"/settings/organization/invitations\?invited="),
            label="invited",
        )
        link_box = page.get_by_label(f"Invitation link for {invitee_email}").first
        expect(link_box).to_be_visible()
        accept_url = link_box.input_value()
        assert accept_url.startswith(f"{server.url}/invitations/accept?token="), accept_url
        expect(page.get_by_role("heading", name=re.compile("Pending invitations"))).to_contain_text("1")

        # The colleague opens the link in a browser that has never seen Mandate.
        colleague = visitor.new_pilot()
        page = colleague.visit(accept_url.removeprefix(server.url))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile(rf"Join {re.escape(account.organization)} as a member")
        )
        expect(page.get_by_text(invitee_email).first).to_be_visible()
        page.get_by_label("Full name").fill("Jon Example")
        page.get_by_label("Password").fill("quiet-meadow-lantern-77")
        colleague.submit(
            page.get_by_role("button", name="Create account and join").click,
            url=re.compile(r"/deals$"),
        )
        expect(page.locator("#toasts")).to_contain_text(f"You joined {account.organization} as member")
        expect(page.locator(".topbar")).to_contain_text(account.organization)
        expect(deal_card(board_column(page, "Screening"), "Project Willow")).to_be_visible()

        # The link worked once only.
        page = colleague.visit(accept_url.removeprefix(server.url), status=409)
        expect(page.get_by_text(re.compile("already been used|not valid"))).to_be_visible()

        # The owner sees the new member.
        page = owner.visit("/settings/organization/members")
        expect(page.get_by_role("main")).to_contain_text("Jon Example")
        expect(page.get_by_role("main")).to_contain_text(invitee_email)
