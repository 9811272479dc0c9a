"""Content saves with optimistic concurrency, throttled autosave history, named versions and restore."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from mandate.document.models import DocumentRevision
from mandate.kit.db import utcnow
from tests.document.test_api import BASE, create_document
from tests.helpers.api import assert_problem, assert_validation, audit_actions, run_in_org
from tests.helpers.fixtures import LiveCapture, Org, OrgFactory

pytestmark = pytest.mark.anyio


async def save(client: httpx.AsyncClient, doc_id: str, content: str, base: int) -> httpx.Response:
    return await client.patch(f"{BASE}/{doc_id}/content", json={"content": content, "base_version": base})


async def revisions(client: httpx.AsyncClient, doc_id: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(f"{BASE}/{doc_id}/revisions", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def age_revisions(app: Any, org: Org, doc_id: str, minutes: int) -> None:
    """Move every revision of the document back in time instead of waiting."""
    stmt = (
        update(DocumentRevision)
        .where(DocumentRevision.document_id == uuid.UUID(doc_id))
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    await run_in_org(app, org.id, stmt)


class TestSaveContent:
    async def test_sequential_saves_bump_the_version(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client)
        for base in (1, 2, 3):
            r = await save(org.member.client, doc["id"], f"text {base}", base)
            assert r.status_code == 200, r.text
            assert r.json()["version"] == base + 1 and r.json()["saved_at"]
        got = (await org.viewer.client.get(f"{BASE}/{doc['id']}")).json()
        assert (got["version"], got["content"], got["updated_by_id"]) == (4, "text 3", str(org.member.user_id))

    async def test_stale_base_is_409_with_the_current_state(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.owner.client)
        assert (await save(org.member.client, doc["id"], "theirs", 1)).status_code == 200
        body = assert_problem(await save(org.admin.client, doc["id"], "mine", 1), 409, "version_conflict")
        assert body["current_version"] == 2
        assert body["content"] == "theirs"
        assert body["updated_by"].startswith("Member ")
        assert body["saved_at"]
        got = (await org.owner.client.get(f"{BASE}/{doc['id']}")).json()
        assert (got["version"], got["content"]) == (2, "theirs")

    async def test_concurrent_saves_from_one_base_let_exactly_one_win(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.owner.client)
        for _ in range(3):
            current = (await org.owner.client.get(f"{BASE}/{doc['id']}")).json()["version"]
            first, second = await asyncio.gather(
                save(org.member.client, doc["id"], "member text", current),
                save(org.admin.client, doc["id"], "admin text", current),
            )
            codes = sorted([first.status_code, second.status_code])
            assert codes == [200, 409], (first.text, second.text)
            winner, loser = (first, second) if first.status_code == 200 else (second, first)
            assert_problem(loser, 409, "version_conflict")
            assert loser.json()["current_version"] == winner.json()["version"] == current + 1
            got = (await org.owner.client.get(f"{BASE}/{doc['id']}")).json()
            assert got["version"] == current + 1
            assert got["content"] == loser.json()["content"]

    async def test_viewer_403_other_org_404_bad_input_422(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        doc = await create_document(org.owner.client)
        assert_problem(await save(org.viewer.client, doc["id"], "x", 1), 403, "permission_denied")
        assert_problem(await save(other.owner.client, doc["id"], "x", 1), 404)
        url = f"{BASE}/{doc['id']}/content"
        assert_validation(await org.owner.client.patch(url, json={"content": "x", "base_version": 0}), "base_version")
        assert_validation(await org.owner.client.patch(url, json={"base_version": 1}), "content")
        assert (await org.owner.client.get(f"{BASE}/{doc['id']}")).json()["version"] == 1

    async def test_a_save_goes_out_live(self, orgs: OrgFactory, capture_live_events: LiveCapture) -> None:
        org = await orgs.create()
        doc = await create_document(org.owner.client)
        await capture_live_events.watch(f"document:{doc['id']}")
        assert (await save(org.member.client, doc["id"], "x", 1)).status_code == 200
        assert (await save(org.admin.client, doc["id"], "y", 1)).status_code == 409
        events = await capture_live_events.events()
        assert [e.type for e in events] == ["document.saved"]
        payload = events[0].payload()
        assert (payload["version"], payload["author_id"]) == (2, str(org.member.user_id))
        assert payload["author"].startswith("Member ")


class TestRevisions:
    async def test_autosave_keeps_one_revision_per_ten_minutes(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client, content="start")
        first = await revisions(org.viewer.client, doc["id"])
        assert [(r["kind"], r["version"]) for r in first] == [("autosave", 1)]
        for base in (1, 2, 3):
            assert (await save(org.member.client, doc["id"], f"v{base + 1}", base)).status_code == 200
        assert len(await revisions(org.viewer.client, doc["id"])) == 1
        await age_revisions(app, org, doc["id"], minutes=9)
        assert (await save(org.member.client, doc["id"], "v5", 4)).status_code == 200
        assert len(await revisions(org.viewer.client, doc["id"])) == 1
        await age_revisions(app, org, doc["id"], minutes=11)
        assert (await save(org.member.client, doc["id"], "v6", 5)).status_code == 200
        assert (await save(org.member.client, doc["id"], "v7", 6)).status_code == 200
        items = await revisions(org.viewer.client, doc["id"], include_content="true")
        assert [(r["kind"], r["version"], r["content"]) for r in items] == [
            ("autosave", 6, "v6"),
            ("autosave", 1, "start"),
        ]
        assert "document.created" in await audit_actions(org.owner.client, subject_id=doc["id"])
        assert "document.content_saved" not in await audit_actions(org.owner.client, subject_id=doc["id"])

    async def test_named_version_and_restore_append_history(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client, content="draft one")
        named = await org.member.client.post(f"{BASE}/{doc['id']}/revisions", json={"label": " Sent to  buyer "})
        assert named.status_code == 201, named.text
        assert (named.json()["kind"], named.json()["label"], named.json()["version"]) == ("named", "Sent to buyer", 1)
        assert (await save(org.member.client, doc["id"], "draft two", 1)).status_code == 200
        r = await org.member.client.post(f"{BASE}/{doc['id']}/revisions/{named.json()['id']}/restore")
        assert r.status_code == 200, r.text
        assert (r.json()["content"], r.json()["version"]) == ("draft one", 3)
        items = await revisions(org.viewer.client, doc["id"])
        assert [(i["kind"], i["version"]) for i in items] == [("restore", 3), ("named", 1), ("autosave", 1)]
        assert all(i["content"] is None for i in items)
        assert items[0]["created_by"].startswith("Member ")
        stale = await save(org.member.client, doc["id"], "old base", 2)
        assert_problem(stale, 409, "version_conflict")
        actions = await audit_actions(org.owner.client, subject_id=doc["id"])
        assert {"document.version_named", "document.restored"} <= set(actions)

    async def test_restore_of_a_final_document_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client)
        rev = (await revisions(org.member.client, doc["id"]))[0]
        await org.member.client.patch(f"{BASE}/{doc['id']}", json={"status": "final"})
        restore = await org.member.client.post(f"{BASE}/{doc['id']}/revisions/{rev['id']}/restore")
        assert_problem(restore, 409, "document_final")

    async def test_lists_take_a_fixed_number_of_queries(self, orgs: OrgFactory, assert_query_count: Any) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client)
        for base in range(1, 4):
            await create_document(org.member.client)
            await org.member.client.post(f"{BASE}/{doc['id']}/revisions", json={"label": f"v{base}"})
        await org.viewer.client.get("/api/me")  # settle the token's last-used stamp
        with assert_query_count.expect(5):
            listed = await org.viewer.client.get(BASE)
        with assert_query_count.expect(6):
            history = await org.viewer.client.get(f"{BASE}/{doc['id']}/revisions")
        assert len(listed.json()["items"]) == 4
        assert {r["created_by"] for r in history.json()["items"]} == {f"Member {org.member.email[6:].split('@')[0]}"}

    async def test_roles_and_validation(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        doc = await create_document(org.member.client)
        rev = (await revisions(org.viewer.client, doc["id"]))[0]
        url = f"{BASE}/{doc['id']}/revisions"
        assert_problem(await org.viewer.client.post(url, json={"label": "v"}), 403, "permission_denied")
        assert_problem(await org.viewer.client.post(f"{url}/{rev['id']}/restore"), 403, "permission_denied")
        assert_validation(await org.member.client.post(url, json={"label": ""}), "label")
        assert_validation(await org.member.client.post(url, json={"label": "   "}), "label")
        assert_validation(await org.member.client.get(url, params={"limit": 0}), "limit")

    async def test_other_org_gets_404_on_every_revision_route(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(), await orgs.create()
        doc = await create_document(org.member.client)
        rev = (await revisions(org.viewer.client, doc["id"]))[0]
        theirs = await create_document(other.owner.client)
        url = f"{BASE}/{doc['id']}/revisions"
        c = other.owner.client
        assert_problem(await c.get(url), 404)
        assert_problem(await c.post(url, json={"label": "v"}), 404)
        assert_problem(await c.post(f"{url}/{rev['id']}/restore"), 404)
        # A revision of another document (here: another org's) under one's own document is not found either.
        assert_problem(await c.post(f"{BASE}/{theirs['id']}/revisions/{rev['id']}/restore"), 404)
        assert len(await revisions(org.viewer.client, doc["id"])) == 1
