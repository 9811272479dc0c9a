"""Document exports in the browser: a PDF exported from the editor's panel, watched until it is
ready and downloaded; a free organization's Export button opens the upgrade prompt; the panel's own
page works as plain form posts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.flows import api_create_deal, api_token, log_in, staff_set_tier, start_as_new_owner
from tests.e2e.harness import Pilot
from tests.e2e.test_documents import api_nda

STATE = re.compile(r"^(Queued|Exporting|Ready)$")


def open_nda(pilot: Pilot, first_name: str, organization: str, tier: str) -> None:
    account = start_as_new_owner(pilot, first_name, organization)
    token, org = api_token(pilot.visitor.server, account.email)
    if tier != "free":
        staff_set_tier(pilot.visitor.server, org["id"], tier)
    deal = api_create_deal(pilot.visitor.server, token, name="Project Heron", target_company="Heron Ltd")
    document_id = api_nda(pilot.visitor.server, token, deal["id"])
    pilot.visit(f"/documents/{document_id}")
    expect(pilot.page.locator("#exports-panel")).to_be_visible()


class TestExportFromTheEditor:
    def test_a_pdf_goes_from_queued_to_ready_and_downloads(self, pilot: Pilot) -> None:
        open_nda(pilot, "Esme", "Esk Advisory", "starter")
        page = pilot.page
        panel = page.locator("#exports-panel")
        panel.get_by_label("Format").select_option("pdf")
        panel.get_by_label("Cover page").check()
        panel.get_by_role("button", name="Export").click()

        row = panel.locator("tbody tr").first
        expect(row.locator(".badge")).to_have_text(STATE)
        expect(row).to_contain_text("PDF, cover page, A4")
        # The panel polls itself every 2 s while the export is pending, then stops on Ready.
        expect(row.locator(".badge")).to_have_text("Ready", timeout=30_000)
        pilot.check("ready")

        with page.expect_download() as download_info:
            row.get_by_role("link", name=re.compile("^Download")).click()
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        path = download.path()
        assert path is not None and path.read_bytes().startswith(b"%PDF-")


class TestFreePlan:
    def test_export_opens_the_upgrade_prompt(self, pilot: Pilot) -> None:
        open_nda(pilot, "Fern", "Fen Partners", "free")
        panel = pilot.page.locator("#exports-panel")
        prompt = panel.get_by_role("alert")
        expect(prompt).to_be_hidden()
        panel.get_by_text("Export", exact=True).click()
        expect(prompt).to_be_visible()
        expect(prompt).to_contain_text("Starter plan")
        pilot.check("upgrade-prompt")
        link = prompt.get_by_role("link", name="See the Starter plan")
        expect(link).to_have_attribute("href", "/plans#tier-starter")


class TestWithoutJavaScript:
    def test_the_form_posts_and_comes_back(self, pilot: Pilot) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Nell", "Nojs Partners")
        token, org = api_token(server, account.email)
        staff_set_tier(server, org["id"], "starter")
        with server.api(token) as client:
            created = client.post(
                "/api/document-generation/documents", json={"title": "Plain LOI", "content": "# Heads of terms\n"}
            )
        assert created.status_code == 201, created.text
        plain = pilot.visitor.new_pilot(htmx=False)

        url = f"/documents/{created.json()['id']}/exports"
        log_in(plain, account.email, account.password, next=url, lands_on=re.escape(url) + "$")
        plain.page.get_by_label("Format").select_option("md")
        plain.submit(plain.page.get_by_role("button", name="Export").click, url=re.compile(re.escape(url) + "$"))
        expect(plain.page.get_by_text("Markdown export queued")).to_be_visible()
