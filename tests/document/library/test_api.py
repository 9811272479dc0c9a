"""Template library over the JSON API: built-ins, CRUD, copy, preview, roles, tenancy, audit."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from mandate.document.library import builtins
from mandate.document.library.models import DocumentTemplate
from tests.helpers.api import assert_problem, assert_validation, audit_actions, create_deal, run_in_org
from tests.helpers.fixtures import Org, OrgFactory

pytestmark = pytest.mark.anyio

URL = "/api/document-generation/templates"
LOI = builtins.catalogue()[next(i for i, b in builtins.catalogue().items() if b.key == "letter-of-intent")]

BODY = "# Note for {{ deal.name }}\n\nDear {{ variables.addressee }}, from {{ organization.name }}."
VARIABLES = [{"name": "addressee", "label": "Addressee", "required": True}]


async def make_template(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    payload = {"name": "Board note", "category": "memo", "body": BODY, "variables": VARIABLES, **fields}
    response = await client.post(URL, json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def org(orgs: OrgFactory) -> Org:
    return await orgs.create()


class TestBuiltins:
    async def test_listed_for_every_org_without_a_seed_step(self, org: Org, orgs: OrgFactory) -> None:
        other = await orgs.create()
        for actor in (org.viewer, other.owner):
            r = await actor.client.get(URL)
            assert r.status_code == 200, r.text
            keys = {t["key"] for t in r.json()["items"] if t["builtin"]}
            assert keys == {b.key for b in builtins.catalogue().values()}

    async def test_a_deleted_or_stale_row_is_restored_from_its_file(self, org: Org, app: Any) -> None:
        await run_in_org(app, None, delete(DocumentTemplate).where(DocumentTemplate.id == LOI.id))
        r = await org.viewer.client.get(f"{URL}/{LOI.id}")
        assert r.status_code == 200, r.text
        assert r.json()["body"] == LOI.body and r.json()["builtin"] is True
        stale = DocumentTemplate.__table__.update().where(DocumentTemplate.id == LOI.id)
        await run_in_org(app, None, stale.values(body="tampered", source_digest="old"))
        r = await org.viewer.client.get(URL)
        assert next(t for t in r.json()["items"] if t["id"] == str(LOI.id))["body"] == LOI.body

    @pytest.mark.parametrize("method", ["PATCH", "DELETE"])
    async def test_read_only_even_for_the_owner(self, org: Org, method: str) -> None:
        json = {"name": "Mine now"} if method == "PATCH" else None
        r = await org.owner.client.request(method, f"{URL}/{LOI.id}", json=json)
        body = assert_problem(r, 403, "permission_denied")
        assert "copy" in body["detail"].lower()

    async def test_copy_into_the_org_as_draft(self, org: Org, app: Any) -> None:
        r = await org.admin.client.post(f"{URL}/{LOI.id}/copy")
        assert r.status_code == 201, r.text
        copy = r.json()
        assert copy["builtin"] is False and copy["status"] == "draft" and copy["body"] == LOI.body
        assert copy["key"] == "letter-of-intent"
        again = (await org.admin.client.post(f"{URL}/{LOI.id}/copy")).json()
        assert again["key"] == "letter-of-intent-2"
        r = await org.admin.client.patch(f"{URL}/{copy['id']}", json={"name": "Our LOI", "status": "active"})
        assert r.status_code == 200 and r.json()["name"] == "Our LOI"
        assert "document_template.copied" in await audit_actions(org.owner.client)


class TestCrud:
    async def test_create_update_delete_with_audit(self, org: Org) -> None:
        created = await make_template(org.admin.client)
        assert created["key"] == "board-note" and created["status"] == "draft"
        r = await org.admin.client.patch(f"{URL}/{created['id']}", json={"body": "Hello {{ organization.name }}"})
        assert r.status_code == 200 and r.json()["body"] == "Hello {{ organization.name }}"
        r = await org.admin.client.delete(f"{URL}/{created['id']}")
        assert r.status_code == 204
        assert_problem(await org.admin.client.get(f"{URL}/{created['id']}"), 404, "not_found")
        actions = await audit_actions(org.owner.client)
        for action in ("created", "updated", "deleted"):
            assert f"document_template.{action}" in actions

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"body": "{% if %}"}, "body"),
            ({"body": "{{ config }}"}, "body"),
            ({"body": "{{ x|attr('__class__') }}"}, "body"),
            ({"variables": [{"name": "a b", "label": "A"}]}, "variables.0.name"),
            ({"variables": [{"name": "a", "label": "A"}, {"name": "a", "label": "B"}]}, "variables.1.name"),
            ({"variables": [{"name": "_a", "label": "A"}]}, "variables.0.name"),
            ({"variables": [{"name": "c", "label": "C", "type": "choice"}]}, "variables.0.choices"),
        ],
    )
    async def test_bad_input_names_the_field(self, org: Org, payload: dict[str, Any], field: str) -> None:
        r = await org.admin.client.post(URL, json={"name": "Bad", **payload})
        assert_validation(r, field)
        created = await make_template(org.admin.client)
        assert_validation(await org.admin.client.patch(f"{URL}/{created['id']}", json=payload), field)

    async def test_syntax_error_names_the_line(self, org: Org) -> None:
        r = await org.admin.client.post(URL, json={"name": "Bad", "body": "one\ntwo\n{% for %}"})
        assert "line 3" in assert_validation(r, "body")["errors"][0]["message"]

    async def test_duplicate_key_is_refused(self, org: Org) -> None:
        await make_template(org.admin.client, key="board-note")
        assert_validation(await org.admin.client.post(URL, json={"name": "X", "key": "board-note"}), "key")


class TestPreview:
    async def test_merge_fields_fill_from_a_real_deal(self, org: Org) -> None:
        deal = await create_deal(
            org.member.client,
            name="Project Atlas",
            target_company="Atlas Widgets Ltd",
            industry="Manufacturing",
            deal_size={"amount_minor": 1_250_000_000, "currency": "GBP"},
            stage="screening",
            expected_close="2027-03-31",
        )
        body = (
            "{{ deal.name }}|{{ deal.target_company }}|{{ deal.industry }}|{{ deal.size }}|{{ deal.stage }}|"
            "{{ deal.expected_close }}|{{ deal.owner.name }}|{{ organization.name }}|{{ author.full_name }}|"
            "{{ author.email }}|{{ variables.addressee }}"
        )
        tpl = await make_template(org.admin.client, body=body)
        r = await org.member.client.post(
            f"{URL}/{tpl['id']}/preview", json={"variables": {"addressee": "The Board"}, "deal_id": deal["id"]}
        )
        assert r.status_code == 200, r.text
        parts = r.json()["markdown"].split("|")
        assert parts[:7] == [
            "Project Atlas",
            "Atlas Widgets Ltd",
            "Manufacturing",
            "£12,500,000.00",
            "Screening",
            "31 March 2027",
            deal["owner"]["full_name"],
        ]
        assert parts[8:] == [
            "Member " + org.member.email.split("@")[0].removeprefix("member"),
            org.member.email,
            "The Board",
        ]
        assert parts[7].startswith("Org ")

    async def test_missing_variable_is_422_naming_it(self, org: Org) -> None:
        tpl = await make_template(org.admin.client)
        r = await org.viewer.client.post(f"{URL}/{tpl['id']}/preview", json={"variables": {}})
        assert_validation(r, "variables.addressee")

    async def test_deal_fields_without_a_deal_ask_for_one(self, org: Org) -> None:
        tpl = await make_template(org.admin.client)
        r = await org.viewer.client.post(f"{URL}/{tpl['id']}/preview", json={"variables": {"addressee": "X"}})
        assert_validation(r, "deal_id")

    async def test_builtin_preview_returns_markdown_html_and_missing(self, org: Org) -> None:
        deal = await create_deal(org.member.client)
        variables = {"addressee": "The Directors", "price": "25m", "exclusivity_days": "30"}
        r = await org.viewer.client.post(
            f"{URL}/{LOI.id}/preview", json={"variables": variables, "deal_id": deal["id"]}
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert "£25,000,000.00" in out["markdown"] and "<h1>Letter of Intent</h1>" in out["html"]
        assert out["missing"] == []

    async def test_another_orgs_deal_is_404(self, org: Org, orgs: OrgFactory) -> None:
        other = await orgs.create()
        deal = await create_deal(other.owner.client)
        tpl = await make_template(org.admin.client)
        r = await org.owner.client.post(
            f"{URL}/{tpl['id']}/preview", json={"variables": {"addressee": "X"}, "deal_id": deal["id"]}
        )
        assert_problem(r, 404, "not_found")


class TestTenancy:
    @pytest.mark.parametrize(
        ("method", "suffix", "json"),
        [
            ("GET", "", None),
            ("PATCH", "", {"name": "Stolen"}),
            ("DELETE", "", None),
            ("POST", "/copy", None),
            ("POST", "/preview", {"variables": {"addressee": "X"}}),
        ],
    )
    async def test_other_org_gets_404(
        self, org: Org, orgs: OrgFactory, app: Any, method: str, suffix: str, json: Any
    ) -> None:
        other = await orgs.create()
        tpl = await make_template(other.owner.client)
        r = await org.owner.client.request(method, f"{URL}/{tpl['id']}{suffix}", json=json)
        assert_problem(r, 404, "not_found")
        listed = (await org.owner.client.get(URL)).json()["items"]
        assert tpl["id"] not in {t["id"] for t in listed}
        async with app.state.session_factory() as session:
            stmt = select(DocumentTemplate.name).where(DocumentTemplate.id == uuid.UUID(tpl["id"]))
            assert (await session.scalars(stmt)).one() == "Board note"


class TestRoles:
    async def test_viewer_reads_and_previews(self, org: Org) -> None:
        tpl = await make_template(org.admin.client, body="Hi {{ variables.addressee }}")
        assert (await org.viewer.client.get(URL)).status_code == 200
        assert (await org.viewer.client.get(f"{URL}/{tpl['id']}")).status_code == 200
        r = await org.viewer.client.post(f"{URL}/{tpl['id']}/preview", json={"variables": {"addressee": "X"}})
        assert r.status_code == 200 and r.json()["markdown"] == "Hi X"

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_only_admins_manage_templates(self, org: Org, role: str) -> None:
        tpl = await make_template(org.admin.client)
        client = org[role].client
        assert_problem(await client.post(URL, json={"name": "X"}), 403, "permission_denied")
        assert_problem(await client.patch(f"{URL}/{tpl['id']}", json={"name": "X"}), 403, "permission_denied")
        assert_problem(await client.delete(f"{URL}/{tpl['id']}"), 403, "permission_denied")
        assert_problem(await client.post(f"{URL}/{LOI.id}/copy"), 403, "permission_denied")

    async def test_owner_manages_templates(self, org: Org) -> None:
        tpl = await make_template(org.owner.client)
        assert (await org.owner.client.delete(f"{URL}/{tpl['id']}")).status_code == 204
