"""Documents over the JSON API: CRUD, roles, tenancy, list filters and cursors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.api import assert_problem, assert_validation, audit_actions, create_deal
from tests.helpers.fixtures import Org, OrgFactory

pytestmark = pytest.mark.anyio
BASE = "/api/document-generation/documents"


async def create_document(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    r = await client.post(BASE, json={"title": "NDA", "content": "# NDA", **fields})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


class TestCreateDocument:
    @pytest.mark.parametrize("role", ["owner", "admin", "member"])
    async def test_writers_create(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create()
        doc = await create_document(org[role].client, title="  Mutual   NDA ")
        assert doc["title"] == "Mutual NDA"
        assert doc["version"] == 1
        assert doc["status"] == "draft"
        assert doc["content"] == "# NDA"
        assert doc["created_by_id"] == str(org[role].user_id)
        assert (await org.viewer.client.get(f"{BASE}/{doc['id']}")).json() == doc
        assert "document.created" in await audit_actions(org.owner.client, subject_id=doc["id"])

    async def test_viewer_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        assert_problem(await org.viewer.client.post(BASE, json={}), 403, "permission_denied")
        assert (await org.owner.client.get(BASE)).json()["items"] == []

    async def test_title_defaults_from_the_deal(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        r = await org.member.client.post(BASE, json={"deal_id": deal["id"]})
        assert r.status_code == 201, r.text
        assert r.json()["title"] == "Atlas document"
        assert r.json()["deal_id"] == deal["id"]
        plain = await org.member.client.post(BASE, json={})
        assert plain.json()["title"] == "Untitled document"

    async def test_another_orgs_deal_is_422_on_deal_id(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        deal = await create_deal(other.owner.client)
        assert_validation(await org.owner.client.post(BASE, json={"deal_id": deal["id"]}), "deal_id")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"title": " "}, "title"), ({"title": "x" * 201}, "title"), ({"content": 5}, "content"), ({"x": 1}, "x")],
    )
    async def test_bad_input_names_the_field(self, orgs: OrgFactory, payload: dict[str, Any], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.post(BASE, json=payload), field)


async def _docs(org: Org, **params: Any) -> list[dict[str, Any]]:
    r = await org.viewer.client.get(BASE, params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


class TestListDocuments:
    async def test_filters_and_pages_newest_first(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        made = [await create_document(org.owner.client, title=f"Doc {i}") for i in range(5)]
        linked = await create_document(org.owner.client, title="Atlas LOI", deal_id=deal["id"])
        await org.owner.client.patch(f"{BASE}/{made[0]['id']}", json={"status": "final"})
        assert [d["id"] for d in await _docs(org, deal_id=deal["id"])] == [linked["id"]]
        assert [d["id"] for d in await _docs(org, status="final")] == [made[0]["id"]]
        assert {d["title"] for d in await _docs(org, q="loi")} == {"Atlas LOI"}
        assert "content" not in (await _docs(org))[0]
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            page = await org.viewer.client.get(BASE, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
            seen += [d["id"] for d in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == [d["id"] for d in await _docs(org)]
        assert len(seen) == 6 and len(set(seen)) == 6

    async def test_other_org_sees_none_and_bad_cursor_is_422(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        await create_document(org.owner.client)
        assert await _docs(other) == []
        assert_validation(await org.owner.client.get(BASE, params={"cursor": "nope"}), "cursor")
        assert_validation(await org.owner.client.get(BASE, params={"status": "gone"}), "status")


class TestGetUpdateDelete:
    async def test_other_org_gets_404_everywhere(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        doc = await create_document(org.owner.client)
        c = other.owner.client
        url = f"{BASE}/{doc['id']}"
        assert_problem(await c.get(url), 404)
        assert_problem(await c.patch(url, json={"title": "X"}), 404)
        assert_problem(await c.delete(url), 404)
        assert (await org.owner.client.get(url)).json()["title"] == "NDA"

    async def test_viewer_reads_but_cannot_change(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.owner.client)
        url = f"{BASE}/{doc['id']}"
        assert (await org.viewer.client.get(url)).status_code == 200
        assert_problem(await org.viewer.client.patch(url, json={"title": "X"}), 403, "permission_denied")
        assert_problem(await org.viewer.client.delete(url), 403, "permission_denied")

    async def test_member_renames_relinks_and_deletes(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        doc = await create_document(org.owner.client)
        url = f"{BASE}/{doc['id']}"
        r = await org.member.client.patch(url, json={"title": "LOI", "deal_id": deal["id"]})
        assert r.status_code == 200, r.text
        assert (r.json()["title"], r.json()["deal_id"], r.json()["version"]) == ("LOI", deal["id"], 1)
        assert (await org.member.client.patch(url, json={"deal_id": None})).json()["deal_id"] is None
        assert_validation(await org.member.client.patch(url, json={"title": None}), "title")
        assert (await org.member.client.delete(url)).status_code == 204
        assert_problem(await org.member.client.get(url), 404)
        actions = await audit_actions(org.owner.client, subject_id=doc["id"])
        assert {"document.updated", "document.deleted"} <= set(actions)

    async def test_deleting_the_deal_unlinks_the_document(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        doc = await create_document(org.owner.client, deal_id=deal["id"])
        assert (await org.owner.client.delete(f"/api/deals/{deal['id']}")).status_code == 204
        assert (await org.owner.client.get(f"{BASE}/{doc['id']}")).json()["deal_id"] is None


class TestFinalise:
    async def test_final_is_read_only_until_reopened(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.owner.client)
        url = f"{BASE}/{doc['id']}"
        final = await org.member.client.patch(url, json={"status": "final"})
        assert final.json()["status"] == "final" and final.json()["finalized_at"]
        save = await org.member.client.patch(f"{url}/content", json={"content": "x", "base_version": 1})
        assert_problem(save, 409, "document_final")
        assert_problem(await org.member.client.patch(url, json={"title": "New"}), 409, "document_final")
        reopened = await org.member.client.patch(url, json={"status": "draft", "title": "New"})
        assert reopened.status_code == 200, reopened.text
        assert (reopened.json()["status"], reopened.json()["title"], reopened.json()["finalized_at"]) == (
            "draft",
            "New",
            None,
        )
        save = await org.member.client.patch(f"{url}/content", json={"content": "x", "base_version": 1})
        assert save.status_code == 200, save.text
        actions = await audit_actions(org.owner.client, subject_id=doc["id"])
        assert {"document.finalized", "document.reopened"} <= set(actions)
