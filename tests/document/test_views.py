"""Document pages: list, new-document flow, editor and its actions, as a browser (and htmx) uses them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers.api import create_deal
from tests.helpers.fixtures import Actor, Org, OrgFactory
from tests.helpers.pages import browser, field_error, submit

pytestmark = pytest.mark.anyio
API = "/api/document-generation"
HTMX = {"HX-Request": "true"}
NDA = "Mutual non-disclosure agreement"
NDA_VARIABLES = {"var-counterparty": "Kestrel Holdings Ltd", "var-counterparty_address": "1 Quay Street, Bristol"}


async def make_document(actor: Actor, **fields: Any) -> dict[str, Any]:
    response = await actor.client.post(
        f"{API}/documents", json={"title": "Side letter", "content": "# Hello", **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def template_id(actor: Actor, name: str = NDA) -> str:
    items = (await actor.client.get(f"{API}/templates")).json()["items"]
    return str(next(t["id"] for t in items if t["name"] == name))


async def api_document(actor: Actor, document_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await actor.client.get(f"{API}/documents/{document_id}")).json()
    return body


async def editor_posts(owner: Actor, document_id: str) -> dict[str, dict[str, str]]:
    """Every state-changing form post of the editor page, with plausible data."""
    revision = (await owner.client.get(f"{API}/documents/{document_id}/revisions")).json()["items"][0]
    base = f"/documents/{document_id}"
    return {
        f"{base}/save": {"content": "x", "base_version": "1"},
        f"{base}/title": {"title": "x"},
        f"{base}/status": {"status": "final"},
        f"{base}/revisions": {"label": "x"},
        f"{base}/revisions/{revision['id']}/restore": {},
        f"{base}/delete": {},
    }


async def web(orgs: OrgFactory, org: Org, role: str) -> httpx.AsyncClient:
    return await browser(orgs, org[role].email)


class TestDocumentList:
    async def test_lists_documents_with_their_deal_and_filters(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Project Atlas")
        await make_document(org.owner, title="Atlas NDA", deal_id=deal["id"])
        await make_document(org.owner, title="Board memo")
        c = await web(orgs, org, "viewer")
        html = (await c.get("/documents")).text
        assert "Atlas NDA" in html and "Board memo" in html and "Project Atlas" in html
        filtered = (await c.get("/documents", params={"q": "atlas"})).text
        assert "Atlas NDA" in filtered and "Board memo" not in filtered
        by_deal = (await c.get("/documents", params={"deal": deal["id"]})).text
        assert "Atlas NDA" in by_deal and "Board memo" not in by_deal
        fragment = await c.get("/documents", params={"status": "final"}, headers=HTMX)
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and "No documents match these filters" in fragment.text

    async def test_query_count_does_not_grow_with_documents(self, orgs: OrgFactory, assert_query_count: Any) -> None:
        org = await orgs.create()
        deals = [await create_deal(org.owner.client, name=f"Deal {i}") for i in range(3)]
        c = await web(orgs, org, "viewer")
        await make_document(org.owner, deal_id=deals[0]["id"])
        before = len(assert_query_count.statements)
        await c.get("/documents")
        one_document = len(assert_query_count.statements) - before
        for i in range(20):
            await make_document(org.owner, title=f"Doc {i}", deal_id=deals[i % 3]["id"])
        with assert_query_count.expect(one_document):
            response = await c.get("/documents")
        assert response.text.count('class="dealtable__name"') == 21

    async def test_empty_state_explains_what_to_do(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        member = (await (await web(orgs, org, "member")).get("/documents")).text
        assert "No documents yet" in member and 'href="/documents/new"' in member
        viewer = (await (await web(orgs, org, "viewer")).get("/documents")).text
        assert "No documents yet" in viewer and 'href="/documents/new"' not in viewer

    async def test_other_organizations_documents_are_not_listed(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        await make_document(other.owner, title="Their secret memo")
        html = (await (await web(orgs, org, "owner")).get("/documents")).text
        assert "Their secret memo" not in html


class TestNewDocument:
    async def test_chooser_lists_the_library_and_keeps_the_deal(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Project Atlas")
        c = await web(orgs, org, "member")
        html = (await c.get("/documents/new", params={"deal_id": deal["id"]})).text
        assert "New document for Project Atlas" in html
        assert NDA in html and "Letter of intent" in html
        nda = await template_id(org.member)
        assert f"/documents/new?template_id={nda}&amp;deal_id={deal['id']}" in html

    async def test_template_form_has_typed_fields_with_required_marked(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await web(orgs, org, "member")
        html = (await c.get("/documents/new", params={"template_id": await template_id(org.member)})).text
        assert 'id="var-counterparty"' in html and 'id="var-term_years"' in html
        assert re.search(r'<select id="var-governing_law"[^>]*required', html)
        assert re.search(r'Counterparty \(full legal name\) <span class="req"', html)

    async def test_preview_then_create_redirects_to_the_editor(self, orgs: OrgFactory) -> None:
        org = await orgs.create(name="Harbour Advisory")
        deal = await create_deal(org.owner.client, name="Project Kestrel", target_company="Kestrel Ltd")
        c = await web(orgs, org, "member")
        form = {"template_id": await template_id(org.member), "deal_id": deal["id"], **NDA_VARIABLES}
        preview = await submit(c, "/documents/new/preview", **form)
        assert preview.status_code == 200
        assert "Kestrel Holdings Ltd" in preview.text and "<html" in preview.text
        partial = await c.post(
            "/documents/new/preview", data=form, headers={**HTMX, "X-CSRF-Token": c.cookies["mandate_csrf"]}
        )
        assert partial.status_code == 200 and "<html" not in partial.text and "Kestrel Holdings Ltd" in partial.text
        created = await submit(c, "/documents/new", **form)
        assert created.status_code == 303
        document_id = created.headers["location"].rsplit("/", 1)[1]
        doc = await api_document(org.member, document_id)
        assert doc["title"] == f"{NDA} — Project Kestrel" and doc["deal_id"] == deal["id"]
        assert "Kestrel Holdings Ltd" in doc["content"]

    async def test_missing_required_variable_is_named_beside_its_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await web(orgs, org, "member")
        form = {"template_id": await template_id(org.member), "var-counterparty": ""}
        response = await submit(c, "/documents/new", **form)
        assert response.status_code == 422
        assert "is required" in field_error(response.text, "var-counterparty")
        assert (await org.member.client.get(f"{API}/documents")).json()["items"] == []
        htmx = await c.post(
            "/documents/new/preview", data=form, headers={**HTMX, "X-CSRF-Token": c.cookies["mandate_csrf"]}
        )
        assert htmx.status_code == 200 and "is required" in field_error(htmx.text, "var-counterparty")

    async def test_bad_number_and_title_are_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await web(orgs, org, "member")
        form = {"template_id": await template_id(org.member), **NDA_VARIABLES, "var-term_years": "two"}
        response = await submit(c, "/documents/new", **form)
        assert response.status_code == 422 and field_error(response.text, "var-term_years") == "Enter a number"
        long_title = await submit(c, "/documents/new", title="x" * 201)
        assert long_title.status_code == 422 and "200" in field_error(long_title.text, "title")

    async def test_blank_document(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await web(orgs, org, "member")
        created = await submit(c, "/documents/new", title="Notes")
        assert created.status_code == 303
        items = (await org.member.client.get(f"{API}/documents")).json()["items"]
        assert [d["title"] for d in items] == ["Notes"]

    async def test_viewer_cannot_create(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await web(orgs, org, "viewer")
        assert (await c.get("/documents/new")).status_code == 403
        assert (await submit(c, "/documents/new", title="Nope")).status_code == 403
        assert (await submit(c, "/documents/new/preview", template_id=await template_id(org.viewer))).status_code == 403

    async def test_other_organizations_deal_and_template_are_refused(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create(tier="starter")
        their_deal = await create_deal(other.owner.client, name="Secret deal")
        own = await other.owner.client.post(f"{API}/templates", json={"name": "Their house NDA", "body": "x"})
        c = await web(orgs, org, "member")
        assert (await c.get("/documents/new", params={"template_id": own.json()["id"]})).status_code == 404
        response = await submit(c, "/documents/new", title="X", deal_id=their_deal["id"])
        assert response.status_code == 422 and "No such deal" in field_error(response.text, "deal_id")


class TestEditor:
    async def test_member_gets_the_editor_with_autosave_wiring(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Project Atlas")
        doc = await make_document(
            org.owner, deal_id=deal["id"], content="# Heads of terms\n\n| A | B |\n|---|---|\n| 1 | 2 |"
        )
        html = (await (await web(orgs, org, "member")).get(f"/documents/{doc['id']}")).text
        assert f'data-document-id="{doc["id"]}"' in html and 'data-version="1"' in html
        assert 'data-editable="true"' in html and "/static/editor.js" in html
        assert "data-live-url=" in html and f"document%3A{doc['id']}" in html
        assert '<textarea id="content" name="content"' in html and "readonly" not in html.split('id="content"')[1][:300]
        for label in ("Bold", "Italic", "Heading", "Bulleted list", "Table", "Link"):
            assert f'aria-label="{label}"' in html
        assert "<h1>Heads of terms</h1>" in html and "<td>1</td>" in html  # the rendered preview
        assert f'hx-get="/documents/{doc["id"]}/exports"' in html and f'href="/documents/{doc["id"]}/exports"' in html
        assert 'action="/documents/' in html and "Finalise" in html and "Save named version" in html

    async def test_viewer_reads_without_edit_controls(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        html = (await (await web(orgs, org, "viewer")).get(f"/documents/{doc['id']}")).text
        assert "Side letter" in html and 'data-editable="false"' in html
        assert "readonly" in html and 'aria-label="Bold"' not in html
        assert "Finalise" not in html and "Save named version" not in html and ">Restore" not in html
        assert 'id="save-button"' not in html and 'name="title"' not in html

    async def test_other_organization_gets_404_on_every_route(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        doc = await make_document(other.owner)
        c = await web(orgs, org, "owner")
        assert (await c.get(f"/documents/{doc['id']}")).status_code == 404
        posts = await editor_posts(other.owner, doc["id"])
        posts[f"/documents/{doc['id']}/preview"] = {"content": "x"}
        for url, data in posts.items():
            assert (await submit(c, url, **data)).status_code == 404, url
        assert (await api_document(other.owner, doc["id"]))["title"] == "Side letter"
        assert (await c.get("/documents/not-a-uuid")).status_code == 404

    async def test_viewer_posts_are_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "viewer")
        for url, data in (await editor_posts(org.owner, doc["id"])).items():
            assert (await submit(c, url, **data)).status_code == 403, url
        preview = await submit(c, f"/documents/{doc['id']}/preview", content="**x**")
        assert preview.status_code == 200  # reading is allowed
        after = await api_document(org.owner, doc["id"])
        assert (after["title"], after["version"], after["status"]) == ("Side letter", 1, "draft")


class TestSaveForm:
    async def test_save_bumps_the_version(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "member")
        response = await submit(c, f"/documents/{doc['id']}/save", content="# New\r\ntext", base_version="1")
        assert response.status_code == 303 and response.headers["location"] == f"/documents/{doc['id']}"
        after = await api_document(org.member, doc["id"])
        assert (after["content"], after["version"]) == ("# New\ntext", 2)  # a browser's CRLF, stored as autosave sends

    async def test_stale_version_shows_the_conflict_page_and_keep_mine_saves_on_top(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner, content="line one\nline two")
        saved = await org.owner.client.patch(
            f"{API}/documents/{doc['id']}/content", json={"content": "line one\ntheir line", "base_version": 1}
        )
        assert saved.status_code == 200
        c = await web(orgs, org, "member")
        response = await submit(c, f"/documents/{doc['id']}/save", content="line one\nmy line", base_version="1")
        assert response.status_code == 409
        html = response.text
        assert "Someone saved a newer version" in html and "Owner" in html
        assert "Keep mine" in html and "Take theirs" in html
        assert 'diffline diffline--mine"' in html and "my line" in html and "their line" in html
        assert 'name="base_version" value="2"' in html
        assert (await api_document(org.member, doc["id"]))["content"] == "line one\ntheir line"
        keep = await submit(c, f"/documents/{doc['id']}/save", content="line one\nmy line", base_version="2")
        assert keep.status_code == 303
        after = await api_document(org.member, doc["id"])
        assert (after["content"], after["version"]) == ("line one\nmy line", 3)

    async def test_final_document_cannot_be_saved(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        await org.owner.client.patch(f"{API}/documents/{doc['id']}", json={"status": "final"})
        c = await web(orgs, org, "member")
        html = (await c.get(f"/documents/{doc['id']}")).text
        assert "This document is final" in html and "readonly" in html and "Reopen for editing" in html
        response = await submit(c, f"/documents/{doc['id']}/save", content="x", base_version="1")
        assert response.status_code == 409 and "Reopen the document" in response.text
        assert (await api_document(org.member, doc["id"]))["content"] == "# Hello"

    async def test_bad_base_version_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "member")
        response = await submit(c, f"/documents/{doc['id']}/save", content="x", base_version="latest")
        assert response.status_code == 422 and "Reload the document" in response.text


class TestEditorActions:
    async def test_rename_with_and_without_htmx(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "member")
        plain = await submit(c, f"/documents/{doc['id']}/title", title="  Side  letter v2 ")
        assert plain.status_code == 303
        assert (await api_document(org.member, doc["id"]))["title"] == "Side letter v2"
        token = c.cookies["mandate_csrf"]
        fragment = await c.post(
            f"/documents/{doc['id']}/title",
            data={"title": "Final side letter"},
            headers={**HTMX, "X-CSRF-Token": token},
        )
        assert (
            fragment.status_code == 200
            and "<html" not in fragment.text
            and 'value="Final side letter"' in fragment.text
        )
        blank = await c.post(
            f"/documents/{doc['id']}/title", data={"title": " "}, headers={**HTMX, "X-CSRF-Token": token}
        )
        assert blank.status_code == 200 and field_error(blank.text, "title") == "A document needs a title"
        blank_plain = await submit(c, f"/documents/{doc['id']}/title", title="")
        assert blank_plain.status_code == 422
        assert (await api_document(org.member, doc["id"]))["title"] == "Final side letter"

    async def test_finalise_and_reopen(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "member")
        assert (await submit(c, f"/documents/{doc['id']}/status", status="final")).status_code == 303
        assert (await api_document(org.member, doc["id"]))["status"] == "final"
        assert (await submit(c, f"/documents/{doc['id']}/status", status="draft")).status_code == 303
        assert (await api_document(org.member, doc["id"]))["status"] == "draft"
        bad = await submit(c, f"/documents/{doc['id']}/status", status="published")
        assert bad.status_code == 422

    async def test_preview_renders_sanitised_markdown(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner)
        c = await web(orgs, org, "member")
        response = await submit(c, f"/documents/{doc['id']}/preview", content="## Terms\n\n<script>x</script> **bold**")
        assert response.status_code == 200
        assert "<h2>Terms</h2>" in response.text and "<strong>bold</strong>" in response.text
        assert "<script>" not in response.text

    async def test_named_version_then_restore_appends(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await make_document(org.owner, content="first text")
        c = await web(orgs, org, "member")
        named = await submit(c, f"/documents/{doc['id']}/revisions", label="Sent to buyer")
        assert named.status_code == 303 and named.headers["location"].endswith("#revisions")
        await org.owner.client.patch(
            f"{API}/documents/{doc['id']}/content", json={"content": "second", "base_version": 1}
        )
        revisions = (await org.member.client.get(f"{API}/documents/{doc['id']}/revisions")).json()["items"]
        sent = next(r for r in revisions if r["label"] == "Sent to buyer")
        restored = await submit(c, f"/documents/{doc['id']}/revisions/{sent['id']}/restore")
        assert restored.status_code == 303
        after = await api_document(org.member, doc["id"])
        assert (after["content"], after["version"]) == ("first text", 3)
        html = (await c.get(f"/documents/{doc['id']}")).text
        assert "Sent to buyer" in html and "Restored" in html and "Version 3" in html
        blank = await submit(c, f"/documents/{doc['id']}/revisions", label="  ")
        assert blank.status_code == 422 and field_error(blank.text, "label") == "This field cannot be blank"

    async def test_delete_returns_to_the_deal(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Project Atlas")
        doc = await make_document(org.owner, deal_id=deal["id"])
        c = await web(orgs, org, "member")
        response = await submit(c, f"/documents/{doc['id']}/delete")
        assert response.status_code == 303 and response.headers["location"] == f"/deals/{deal['id']}"
        assert (await org.member.client.get(f"{API}/documents/{doc['id']}")).status_code == 404


class TestDealPage:
    async def test_deal_page_lists_its_documents_and_offers_a_new_one(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Project Atlas")
        doc = await make_document(org.owner, title="Atlas NDA", deal_id=deal["id"])
        await make_document(org.owner, title="Unrelated memo")
        member = (await (await web(orgs, org, "member")).get(f"/deals/{deal['id']}")).text
        assert f'href="/documents/{doc["id"]}">Atlas NDA' in member and "Unrelated memo" not in member
        assert f'href="/documents/new?deal_id={deal["id"]}"' in member and "New document from template" in member
        viewer = (await (await web(orgs, org, "viewer")).get(f"/deals/{deal['id']}")).text
        assert "Atlas NDA" in viewer and "New document from template" not in viewer

    async def test_main_navigation_has_documents(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        html = (await (await web(orgs, org, "viewer")).get("/documents")).text
        assert '<a href="/documents" aria-current="page">Documents</a>' in html
