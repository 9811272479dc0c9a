"""Forgot password: ask for a link on the login page, find it in the staff mailbox, set a new password."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import PASSWORD, api_sign_up, log_in, new_account
from tests.e2e.harness import Visitor

NEW_PASSWORD = "copper-lantern-orchard-93"


class TestForgotPassword:
    def test_reset_through_the_emailed_link(self, visitor: Visitor) -> None:
        server = visitor.server
        account = new_account("Rosa", "Reset Capital")
        api_sign_up(server, account)

        # Logged out, Rosa asks for a link from the login page.
        rosa = visitor.new_pilot()
        page = rosa.visit("/login")
        rosa.submit(page.get_by_role("link", name="Forgot your password?").click, url=re.compile(r"/password-reset$"))
        page.get_by_label("Email").fill(account.email)
        rosa.submit(
            page.get_by_role("button", name="Email me a reset link").click, url=re.compile(r"/password-reset/sent$")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

        # Mail stays in the outbox here: platform staff read it in the dev mailbox.
        staff = visitor.new_pilot()
        log_in(staff, server.staff.email, server.staff.password, next="/staff/mailbox", lands_on=r"/staff/mailbox$")
        mailbox = staff.page
        mailbox.get_by_label("Search by recipient").fill(account.email)
        staff.submit(mailbox.get_by_role("button", name="Search").click, url=re.compile(r"/staff/mailbox\?q="))
        staff.submit(
            mailbox.get_by_role("link", name="Reset your Mandate password").click,
            url=re.compile(r"/staff/mailbox/[0-9a-f-]{36}$"),
            label="message",
        )
        expect(mailbox.get_by_role("heading", name="Reset your Mandate password")).to_be_visible()
        expect(
            mailbox.frame_locator("iframe.mail-preview").get_by_role("link", name="Choose a new password")
        ).to_be_visible()
        links = mailbox.get_by_role("region", name="Links in this message").get_by_role("link")
        link = links.filter(has_text="/password-reset/confirm?token=")
        reset_url = link.get_attribute("href")
        assert reset_url and reset_url.startswith(f"{server.url}/password-reset/confirm?token="), reset_url

        # Rosa follows the link and chooses a new password; she lands logged in.
        page = rosa.visit(reset_url.removeprefix(server.url))
        expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
        page.get_by_label(re.compile(r"^New password")).fill(NEW_PASSWORD)
        page.get_by_label("Repeat new password").fill(NEW_PASSWORD + "x")
        rosa.submit(
            page.get_by_role("button", name="Save new password").click,
            url=re.compile(r"/password-reset/confirm$"),
            status=422,
            label="mismatch",
        )
        expect(page.get_by_text("The two passwords do not match")).to_be_visible()
        page.get_by_label(re.compile(r"^New password")).fill(NEW_PASSWORD)
        page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
        rosa.submit(page.get_by_role("button", name="Save new password").click, url=re.compile(r"/deals$"))
        expect(page.locator("#toasts")).to_contain_text("Your password is changed and you are logged in.")

        # The link worked once; the old password no longer does, the new one does.
        again = visitor.new_pilot()
        page = again.visit(reset_url.removeprefix(server.url), status=400)
        expect(page.get_by_role("heading", level=1)).to_have_text("This reset link cannot be used")
        page = again.visit("/login")
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(PASSWORD)
        again.submit(page.get_by_role("button", name="Log in").click, url=re.compile(r"/login"), status=401)
        expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect.")
        log_in(again, account.email, NEW_PASSWORD)
