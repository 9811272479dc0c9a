"""Template library pages: list, template page with preview, copy, and create/edit of own templates."""

from __future__ import annotations

import pytest

from tests.helpers.api import create_deal
from tests.helpers.fixtures import Actor, Org, OrgFactory
from tests.helpers.pages import browser, field_error, submit

pytestmark = pytest.mark.anyio
API = "/api/document-generation/templates"
HTMX = {"HX-Request": "true"}
NDA = "Mutual non-disclosure agreement"


async def template_id(actor: Actor, name: str = NDA) -> str:
    items = (await actor.client.get(API)).json()["items"]
    return str(next(t["id"] for t in items if t["name"] == name))


async def own_template(actor: Actor, **fields: object) -> str:
    body = {
        "name": "House NDA",
        "body": "Between {{ organization.name }} and {{ variables.party }}.",
        "variables": [{"name": "party", "label": "Other party", "required": True}],
        **fields,
    }
    response = await actor.client.post(API, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def new_template_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Side letter",
        "description": "A short side letter.",
        "category": "other",
        "status": "active",
        "body": "Dear {{ variables.addressee }},",
        "v-0-name": "addressee",
        "v-0-label": "Addressee",
        "v-0-type": "text",
        "v-0-required": "1",
        "v-0-default": "",
        "v-0-choices": "",
        "v-1-name": "",
        "v-1-label": "",
        "v-1-type": "text",
        "v-1-default": "",
        "v-1-choices": "",
    }
    return {**form, **overrides}


async def pages(orgs: OrgFactory, org: Org, role: str):  # type: ignore[no-untyped-def]
    return await browser(orgs, org[role].email)


class TestLibraryList:
    async def test_lists_builtins_and_own_templates(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        await own_template(org.admin)
        html = (await (await pages(orgs, org, "viewer")).get("/templates")).text
        assert NDA in html and "Letter of intent" in html and "House NDA" in html
        assert "Built-in library" in html and "New template" not in html and ">Use<" not in html

    async def test_admin_sees_new_template_and_member_uses(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        admin = (await (await pages(orgs, org, "admin")).get("/templates")).text
        assert 'href="/templates/new"' in admin
        member = (await (await pages(orgs, org, "member")).get("/templates")).text
        assert 'href="/templates/new"' not in member and "/documents/new?template_id=" in member

    async def test_other_organizations_templates_are_not_listed(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        await own_template(other.admin, name="Their secret template")
        html = (await (await pages(orgs, org, "owner")).get("/templates")).text
        assert "Their secret template" not in html


class TestTemplatePage:
    async def test_builtin_shows_variables_and_no_edit_controls(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        nda = await template_id(org.admin)
        html = (await (await pages(orgs, org, "admin")).get(f"/templates/{nda}")).text
        assert "variables.counterparty" in html and "Counterparty (full legal name)" in html
        assert "Copy to my organization" in html and "Built-in · read-only" in html
        assert f"/templates/{nda}/edit" not in html and f"/templates/{nda}/delete" not in html

    async def test_preview_fills_fields_and_names_a_missing_one(self, orgs: OrgFactory) -> None:
        org = await orgs.create(name="Harbour Advisory")
        deal = await create_deal(org.owner.client, name="Project Kestrel", target_company="Kestrel Ltd")
        nda = await template_id(org.viewer)
        c = await pages(orgs, org, "viewer")
        ok = await submit(
            c,
            f"/templates/{nda}/preview",
            deal_id=deal["id"],
            **{"var-counterparty": "Kestrel Holdings", "var-counterparty_address": "1 Quay St"},
        )
        assert ok.status_code == 200 and "Kestrel Holdings" in ok.text and "Harbour Advisory" in ok.text
        missing = await submit(c, f"/templates/{nda}/preview", **{"var-counterparty": ""})
        assert missing.status_code == 422 and "is required" in field_error(missing.text, "var-counterparty")
        token = c.cookies["mandate_csrf"]
        fragment = await c.post(
            f"/templates/{nda}/preview", data={"var-counterparty": ""}, headers={**HTMX, "X-CSRF-Token": token}
        )
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "is required" in field_error(fragment.text, "var-counterparty")

    async def test_copy_is_for_admins(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        nda = await template_id(org.admin)
        member = await pages(orgs, org, "member")
        assert (await submit(member, f"/templates/{nda}/copy")).status_code == 403
        admin = await pages(orgs, org, "admin")
        copied = await submit(admin, f"/templates/{nda}/copy")
        assert copied.status_code == 303
        copy_id = copied.headers["location"].rsplit("/", 1)[1]
        html = (await admin.get(f"/templates/{copy_id}")).text
        assert f"/templates/{copy_id}/edit" in html and "Your organization" in html

    async def test_other_organization_gets_404_on_every_route(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        theirs = await own_template(other.admin)
        c = await pages(orgs, org, "owner")
        assert (await c.get(f"/templates/{theirs}")).status_code == 404
        assert (await c.get(f"/templates/{theirs}/edit")).status_code == 404
        for action in ("preview", "copy", "edit", "delete"):
            assert (await submit(c, f"/templates/{theirs}/{action}")).status_code == 404, action
        assert (await c.get("/templates/not-a-uuid")).status_code == 404
        assert (await other.admin.client.get(f"{API}/{theirs}")).json()["name"] == "House NDA"


class TestTemplateForm:
    async def test_admin_creates_a_template_with_variables(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await pages(orgs, org, "admin")
        assert (await c.get("/templates/new")).status_code == 200
        created = await submit(
            c, "/templates/new", **new_template_form(body="Dear {{ variables.addressee }},\r\nThanks.")
        )
        assert created.status_code == 303
        tid = created.headers["location"].rsplit("/", 1)[1]
        row = (await org.admin.client.get(f"{API}/{tid}")).json()
        assert row["name"] == "Side letter" and row["status"] == "active"
        assert row["body"] == "Dear {{ variables.addressee }},\nThanks."
        assert row["variables"] == [
            {
                "name": "addressee",
                "label": "Addressee",
                "type": "text",
                "required": True,
                "default": None,
                "choices": [],
            }
        ]

    async def test_errors_are_named_beside_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        c = await pages(orgs, org, "admin")
        bad_body = await submit(c, "/templates/new", **new_template_form(body="{{ secrets.key }}"))
        assert bad_body.status_code == 422 and "Unknown merge field" in field_error(bad_body.text, "body")
        bad_var = await submit(c, "/templates/new", **new_template_form(**{"v-0-name": "1st"}))
        assert bad_var.status_code == 422 and "letters" in field_error(bad_var.text, "v-0-name")
        no_label = await submit(c, "/templates/new", **new_template_form(**{"v-0-label": ""}))
        assert no_label.status_code == 422 and field_error(no_label.text, "v-0-label") == "This field cannot be blank"
        no_name = await submit(c, "/templates/new", **new_template_form(name=""))
        assert no_name.status_code == 422 and field_error(no_name.text, "name") == "This field cannot be blank"
        assert [t for t in (await org.admin.client.get(API)).json()["items"] if not t["builtin"]] == []

    async def test_admin_edits_own_template(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        tid = await own_template(org.admin)
        c = await pages(orgs, org, "admin")
        form = (await c.get(f"/templates/{tid}/edit")).text
        assert 'value="party"' in form and 'value="Other party"' in form
        saved = await submit(
            c,
            f"/templates/{tid}/edit",
            **new_template_form(name="House NDA v2", body="{{ variables.party }}", **{"v-0-name": "party"}),
        )
        assert saved.status_code == 303
        assert (await org.admin.client.get(f"{API}/{tid}")).json()["name"] == "House NDA v2"

    async def test_builtins_are_read_only_and_members_cannot_manage(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        nda = await template_id(org.admin)
        tid = await own_template(org.admin)
        admin = await pages(orgs, org, "admin")
        assert (await admin.get(f"/templates/{nda}/edit")).status_code == 403
        assert (await submit(admin, f"/templates/{nda}/edit", **new_template_form())).status_code == 403
        assert (await submit(admin, f"/templates/{nda}/delete")).status_code == 403
        member = await pages(orgs, org, "member")
        assert (await member.get("/templates/new")).status_code == 403
        assert (await submit(member, "/templates/new", **new_template_form())).status_code == 403
        assert (await member.get(f"/templates/{tid}/edit")).status_code == 403
        assert (await submit(member, f"/templates/{tid}/delete")).status_code == 403
        html = (await member.get(f"/templates/{tid}")).text
        assert f"/templates/{tid}/edit" not in html and "Copy to my organization" not in html

    async def test_admin_deletes_own_template(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        tid = await own_template(org.admin)
        c = await pages(orgs, org, "admin")
        assert (await submit(c, f"/templates/{tid}/delete")).status_code == 303
        assert (await org.admin.client.get(f"{API}/{tid}")).status_code == 404
