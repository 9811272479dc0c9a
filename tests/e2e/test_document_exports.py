"""The document exports panel in the browser: the upgrade prompt on the free plan, then an export
that the panel follows until its download link appears, with htmx and as plain form posts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.flows import api_token, log_in, staff_set_tier, start_as_new_owner
from tests.e2e.harness import LiveServer, Pilot

CONTENT = "# Heads of terms\n\n## Consideration\n\n| Item | Amount |\n|---|---|\n| Cash | GBP 12,500,000 |\n"


def api_create_document(server: LiveServer, token: str, **fields: Any) -> dict[str, Any]:
    with server.api(token) as client:
        response = client.post("/api/document-generation/documents", json=fields)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


class TestExportsPanel:
    def test_free_plan_prompt_then_an_export_followed_to_its_download(self, pilot: Pilot, tmp_path: Path) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Dora", "Dockside Advisory")
        token, org = api_token(server, account.email)
        document = api_create_document(server, token, title="Atlas LOI", content=CONTENT)
        url = f"/documents/{document['id']}/exports"

        page = pilot.visit(url)
        expect(page.get_by_role("link", name="See the Starter plan")).to_be_visible()
        expect(page.get_by_role("button", name="Export")).to_have_count(0)

        staff_set_tier(server, org["id"], "starter")
        page = pilot.visit(url)
        page.get_by_label("Format").select_option("pdf")
        page.get_by_label("Cover page").check()
        page.get_by_role("button", name="Export").click()  # htmx swaps the panel in place
        panel = page.locator("#exports-panel")
        expect(panel.get_by_text("Ready", exact=True)).to_be_visible(timeout=30_000)  # it polls every 2 s
        pilot.check("ready", status=None)
        with page.expect_download() as waiting:
            panel.get_by_role("link", name=re.compile("^Download")).click()
        saved = tmp_path / "export.pdf"
        waiting.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        assert waiting.value.suggested_filename == "atlas-loi-v1.pdf"

    def test_without_javascript_the_form_posts_and_comes_back(self, pilot: Pilot) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Nell", "Nojs Partners")
        token, org = api_token(server, account.email)
        staff_set_tier(server, org["id"], "starter")
        document = api_create_document(server, token, title="Plain LOI", content=CONTENT)
        plain = pilot.visitor.new_pilot(htmx=False)

        url = f"/documents/{document['id']}/exports"
        log_in(plain, account.email, account.password, next=url, lands_on=re.escape(url) + "$")
        plain.page.get_by_label("Format").select_option("md")
        plain.submit(plain.page.get_by_role("button", name="Export").click, url=re.compile(re.escape(url) + "$"))
        expect(plain.page.get_by_text("Markdown export queued")).to_be_visible()
