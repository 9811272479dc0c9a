"""Documents in the browser: an NDA from the library for a deal, autosave, two editors and a conflict,
live "updated by" notices, offline editing, the template pages, and the editor on a phone."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.flows import api_create_deal, api_token, staff_set_tier, start_as_new_owner
from tests.e2e.harness import LiveServer, Pilot, Visitor
from tests.e2e.test_live import _invite, _join
from tests.e2e.test_phone import PHONE, assert_no_sideways_scroll

NDA = "Mutual non-disclosure agreement"
SAVED = re.compile(r"^Saved at \d\d:\d\d$")
EDITOR_URL = re.compile(r"/documents/[0-9a-f-]{36}$")


def text_area(page: Page) -> Any:
    return page.get_by_label("Document text (Markdown)")


def type_at_end(page: Page, text: str) -> None:
    box = text_area(page)
    box.focus()
    page.keyboard.press("Control+End")
    box.press_sequentially(text)


def expect_saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_text(SAVED)


def api_document(server: LiveServer, token: str, document_id: str) -> dict[str, Any]:
    with server.api(token) as client:
        response = client.get(f"/api/document-generation/documents/{document_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def api_nda(server: LiveServer, token: str, deal_id: str) -> str:
    """An NDA for the deal through the API (set-up for the tests that are not about creating one)."""
    with server.api(token) as client:
        templates = client.get("/api/document-generation/templates").json()["items"]
        nda = next(t["id"] for t in templates if t["name"] == NDA)
        variables = {"counterparty": "Kestrel Holdings Ltd", "counterparty_address": "1 Quay Street, Bristol"}
        response = client.post(
            "/api/document-generation/documents",
            json={"template_id": nda, "deal_id": deal_id, "variables": variables},
        )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def reload(pilot: Pilot, label: str) -> Page:
    pilot.page.reload()
    pilot.check(label)
    return pilot.page


class TestCreateAndAutosave:
    def test_an_nda_for_a_deal_from_the_library_saves_as_you_type(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Ada", "Avon Corporate Finance")
        token, _org = api_token(pilot.visitor.server, account.email)
        deal = api_create_deal(pilot.visitor.server, token, name="Project Kestrel", target_company="Kestrel Ltd")
        page = pilot.page

        pilot.visit("/documents")
        expect(page.get_by_role("heading", name="No documents yet")).to_be_visible()
        pilot.visit(f"/deals/{deal['id']}")
        pilot.submit(page.get_by_role("link", name="New document from template").click, url=re.compile(r"/new\?"))
        expect(page.get_by_role("heading", level=1)).to_have_text("New document for Project Kestrel")
        pilot.submit(page.get_by_role("link", name=f"Use {NDA}").click, url=re.compile(r"template_id="))

        # A required field left empty is named beside it (the htmx preview answers with the form).
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#var-counterparty-error")).to_have_text(re.compile("is required"))
        pilot.check("preview-error")
        page.get_by_label("Counterparty (full legal name)").fill("Kestrel Holdings Ltd")
        page.get_by_label("Counterparty registered address").fill("1 Quay Street, Bristol")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator(".newdoc__preview")).to_contain_text("Kestrel Holdings Ltd")
        expect(page.locator(".newdoc__preview")).to_contain_text("Kestrel Ltd")
        assert not pilot.unchecked, "the preview should not reload the page"
        pilot.check("preview")
        pilot.submit(page.get_by_role("button", name="Create document").click, url=EDITOR_URL)
        expect(page.locator("#title")).to_have_value(f"{NDA} — Project Kestrel")
        expect(page.locator("#doc-preview")).to_contain_text("Kestrel Holdings Ltd")

        type_at_end(page, "\n\n## Schedule\n\nSigned in counterparts.")
        expect(page.locator("#save-status")).to_have_text(re.compile("Unsaved changes|Saving…|Saved at"))
        expect_saved(page)
        expect(page.locator("#doc-preview h2", has_text="Schedule")).to_be_visible()
        pilot.check("saved")

        page = reload(pilot, "reloaded")
        expect(text_area(page)).to_have_value(re.compile(r"## Schedule\n\nSigned in counterparts\.$"))
        expect(page.locator("#doc-version")).to_have_text("2")

        # The toolbar inserts Markdown; the document appears in the list and on the deal page.
        text_area(page).focus()
        page.keyboard.press("Control+End")
        page.get_by_role("button", name="Bold").click()
        expect(text_area(page)).to_have_value(re.compile(r"\*\*bold text\*\*$"))
        page.keyboard.press("Control+End")
        page.keyboard.press("Control+k")  # the link shortcut
        expect(text_area(page)).to_have_value(re.compile(r"\*\*bold text\*\*\[link text\]\(https://\)$"))
        expect_saved(page)
        pilot.visit("/documents")
        expect(page.get_by_role("link", name=f"{NDA} — Project Kestrel")).to_be_visible()
        pilot.visit(f"/deals/{deal['id']}")
        expect(page.locator("#documents")).to_contain_text(f"{NDA} — Project Kestrel")


class TestTwoEditors:
    def test_live_notice_conflict_and_both_resolutions(self, visitor: Visitor) -> None:
        server = visitor.server
        anna = visitor.new_pilot()
        account = start_as_new_owner(anna, "Anna", "Anchor Advisory")
        token, org = api_token(server, account.email)
        staff_set_tier(server, org["id"], "starter")  # room for a second member
        omar = visitor.new_pilot()
        _join(omar, _invite(server, token, f"omar.{org['slug']}@e2e.example"), "Omar Example")
        deal = api_create_deal(server, token, name="Project Heron", target_company="Heron Foods")
        document_id = api_nda(server, token, deal["id"])

        a = anna.visit(f"/documents/{document_id}")
        b = omar.visit(f"/documents/{document_id}")
        # Omar saves first; Anna is told, live, without a reload.
        type_at_end(b, "\nOmar's clause.")
        expect_saved(b)
        expect(a.locator("#live-notice")).to_have_text(re.compile(r"Updated by Omar Example just now"))
        assert not anna.unchecked, "the notice should not reload the page"
        anna.check("live-notice")

        # Anna's edit started from version 1: her save is refused and she is shown both versions.
        type_at_end(a, "\nAnna's clause.")
        conflict = a.get_by_role("alert").filter(has_text="saved version 2")
        expect(conflict).to_contain_text("Omar Example saved version 2")
        conflict.get_by_role("button", name="Compare").click()
        expect(conflict.locator(".diffline--mine")).to_contain_text("Anna's clause.")
        expect(conflict.locator(".diffline--theirs")).to_contain_text("Omar's clause.")
        anna.check("conflict-compare")
        conflict.get_by_role("button", name="Keep mine").click()
        expect(a.locator("#conflict")).to_be_hidden()
        expect_saved(a)
        a = reload(anna, "kept-mine")
        expect(text_area(a)).to_have_value(re.compile(r"Anna's clause\.$"))
        assert "Omar's clause." not in text_area(a).input_value()

        # Omar's editor is now behind: he takes Anna's version.
        expect(b.locator("#live-notice")).to_have_text(re.compile(r"Updated by Anna Example just now"))
        type_at_end(b, "\nOmar again.")
        conflict_b = b.get_by_role("alert").filter(has_text="saved version 3")
        conflict_b.get_by_role("button", name="Take theirs").click()
        expect(text_area(b)).to_have_value(re.compile(r"Anna's clause\.$"))
        omar.check("took-theirs")
        b = reload(omar, "took-theirs-reloaded")
        expect(text_area(b)).to_have_value(re.compile(r"Anna's clause\.$"))
        final = api_document(server, token, document_id)
        assert final["version"] == 3 and final["content"].endswith("Anna's clause.")

    def test_a_viewer_follows_the_text_live(self, visitor: Visitor) -> None:
        server = visitor.server
        owner = visitor.new_pilot()
        account = start_as_new_owner(owner, "Ines", "Ipswich Advisory")
        token, org = api_token(server, account.email)
        staff_set_tier(server, org["id"], "starter")
        viewer = visitor.new_pilot()
        with server.api(token) as client:
            invited = client.post(
                "/api/organizations/current/invitations",
                json={"email": f"vic.{org['slug']}@e2e.example", "role": "viewer"},
            )
        assert invited.status_code == 201, invited.text
        _join(viewer, invited.json()["accept_url"].removeprefix(server.url), "Vic Viewer")
        deal = api_create_deal(server, token, name="Project Lark", target_company="Lark Ltd")
        document_id = api_nda(server, token, deal["id"])

        watching = viewer.visit(f"/documents/{document_id}")
        expect(text_area(watching)).to_have_attribute("readonly", "")
        expect(watching.get_by_role("button", name="Bold")).to_have_count(0)
        editing = owner.visit(f"/documents/{document_id}")
        type_at_end(editing, "\n\n## Completion\n\nOn signing.")
        expect_saved(editing)
        expect(watching.locator("#live-notice")).to_have_text(re.compile(r"Updated by Ines Example just now"))
        expect(text_area(watching)).to_have_value(re.compile(r"On signing\.$"))
        expect(watching.locator("#doc-preview h2", has_text="Completion")).to_be_visible()
        expect(watching.locator("#last-saved")).to_have_text(re.compile(r"Last saved by Ines Example at \d\d:\d\d"))
        assert not viewer.unchecked, "the viewer's page should not reload"
        viewer.check("followed")

    def test_without_the_editor_script_the_save_form_shows_the_conflict_page(self, visitor: Visitor) -> None:
        server = visitor.server
        pilot = visitor.new_pilot()
        pilot.page.context.route(re.compile(r"/static/editor\.js"), lambda route: route.abort())  # no autosave
        account = start_as_new_owner(pilot, "Noor", "Norfolk Partners")
        token, _org = api_token(server, account.email)
        deal = api_create_deal(server, token, name="Project Wren", target_company="Wren Ltd")
        document_id = api_nda(server, token, deal["id"])
        page = pilot.visit(f"/documents/{document_id}")
        with server.api(token) as client:
            saved = client.patch(
                f"/api/document-generation/documents/{document_id}/content",
                json={"content": "Someone else's text", "base_version": 1},
            )
        assert saved.status_code == 200
        text_area(page).fill("My text")
        pilot.submit(page.get_by_role("button", name="Save", exact=True).click, url=re.compile(r"/save$"), status=409)
        expect(page.get_by_role("heading", level=1)).to_have_text("Someone saved a newer version")
        expect(page.locator(".diffline--mine")).to_contain_text("My text")
        pilot.submit(page.get_by_role("button", name="Keep mine").click, url=EDITOR_URL)
        expect(text_area(page)).to_have_value("My text")
        assert api_document(server, token, document_id)["version"] == 3


class TestOffline:
    def test_offline_edits_are_kept_and_saved_when_back(self, pilot: Pilot) -> None:
        account = start_as_new_owner(pilot, "Olu", "Oxford Offline Advisory")
        token, _org = api_token(pilot.visitor.server, account.email)
        deal = api_create_deal(pilot.visitor.server, token, name="Project Puffin", target_company="Puffin plc")
        document_id = api_nda(pilot.visitor.server, token, deal["id"])
        page = pilot.visit(f"/documents/{document_id}")
        context = page.context

        context.set_offline(True)
        type_at_end(page, "\nWritten on the train.")
        expect(page.locator("#save-status")).to_have_text("Offline — retrying")
        type_at_end(page, " Still offline.")
        pilot.check("offline")
        context.set_offline(False)
        # The `online` event retries at once; the backoff timer (at most 30 s) would get there too.
        expect(page.locator("#save-status")).to_have_text(SAVED, timeout=35_000)
        page = reload(pilot, "back-online")
        expect(text_area(page)).to_have_value(re.compile(r"Written on the train\. Still offline\.$"))


class TestTemplatePages:
    def test_library_template_page_copy_and_edit(self, pilot: Pilot) -> None:
        start_as_new_owner(pilot, "Tess", "Truro Templates")
        page = pilot.visit("/templates")
        expect(page.get_by_role("heading", name="Built-in library")).to_be_visible()
        pilot.submit(page.get_by_role("link", name="Letter of intent").first.click, url=re.compile(r"/templates/"))
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Letter of intent"))
        expect(page.get_by_role("link", name="Edit template")).to_have_count(0)
        pilot.submit(
            page.get_by_role("button", name="Copy to my organization").click,
            url=re.compile(r"/templates/[0-9a-f-]{36}$"),
        )
        pilot.submit(page.get_by_role("link", name="Edit template").click, url=re.compile(r"/edit$"))
        page.get_by_label("Status").select_option("active")
        page.get_by_label("Template name").fill("House letter of intent")
        pilot.submit(
            page.get_by_role("button", name="Save template").click, url=re.compile(r"/templates/[0-9a-f-]{36}$")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("House letter of intent")
        pilot.visit("/templates/new")
        pilot.visit("/documents/new")
        expect(page.get_by_role("heading", name="House letter of intent")).to_be_visible()


class TestPhone:
    def test_editor_and_new_document_on_a_phone(self, visitor: Visitor) -> None:
        pilot = visitor.new_pilot(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        account = start_as_new_owner(pilot, "Pia", "Plymouth Phone Partners")
        token, _org = api_token(visitor.server, account.email)
        deal = api_create_deal(visitor.server, token, name="Project Gull", target_company="Gull Marine")
        document_id = api_nda(visitor.server, token, deal["id"])
        page = pilot.visit(f"/documents/{document_id}")
        assert_no_sideways_scroll(pilot)
        type_at_end(page, "\nFrom my phone.")
        expect_saved(page)
        pilot.check("phone-saved")
        pilot.visit(f"/documents/new?deal_id={deal['id']}")
        assert_no_sideways_scroll(pilot)
        pilot.visit("/documents")
        assert_no_sideways_scroll(pilot)
