"""Document exports over the JSON API: request, poll, download, list, retry; plans, roles, tenancy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from mandate.document.exports.models import DocumentExport
from mandate.jobs.models import Job
from mandate.kit.db import utcnow
from mandate.kit.tenancy import set_organization
from mandate.organization.models import Organization
from tests.document.exports.conftest import (
    DOCS,
    EXPORTS,
    age_exports,
    create_document,
    export_of,
    fetch_file,
    start_export,
)
from tests.helpers.api import assert_problem, assert_validation, audit_actions, run_in_org
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestRequestExport:
    @pytest.mark.parametrize("role", ["owner", "admin", "member"])
    async def test_writers_export_and_the_job_runs(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(tier="starter")
        doc = await create_document(org.owner.client)
        r = await org[role].client.post(f"{DOCS}/{doc['id']}/exports", json={"format": "md"})
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "queued"
        assert body["poll_url"] == f"{EXPORTS}/{body['job_id']}"
        export = await export_of(org.viewer.client, body["job_id"])  # the unit-test queue runs at commit
        assert (export["status"], export["format"], export["document_version"]) == ("succeeded", "md", 1)
        assert export["filename"] == "atlas-loi-v1.md"
        assert export["size_bytes"] == len(doc["content"].encode())
        assert export["options"] == {"page_size": "A4", "cover_page": False}
        assert export["finished_at"] is not None and export["error"] is None
        assert await fetch_file(org.viewer.client, body["job_id"]) == doc["content"].encode()
        assert "document.export_requested" in await audit_actions(org.owner.client, subject_id=doc["id"])

    async def test_viewer_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter")
        doc = await create_document(org.owner.client)
        r = await org.viewer.client.post(f"{DOCS}/{doc['id']}/exports", json={"format": "pdf"})
        assert_problem(r, 403, "permission_denied")

    async def test_free_plan_gets_402_naming_starter(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free")
        doc = await create_document(org.owner.client)
        r = await org.owner.client.post(f"{DOCS}/{doc['id']}/exports", json={"format": "pdf"})
        problem = assert_problem(r, 402, "entitlement_required")
        assert problem["required_tier"] == "starter" and problem["upgrade_url"].endswith("/plans")
        assert (await org.owner.client.get(f"{DOCS}/{doc['id']}/exports")).json()["items"] == []

    async def test_past_the_monthly_limit_is_402_limit_reached(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter")
        doc = await create_document(org.owner.client)
        first = await start_export(org.owner.client, doc["id"], "md")
        failed = await start_export(org.owner.client, doc["id"], "md")
        await _set_status(orgs, org.id, failed, "failed")
        # 199 more this month (as if made earlier): the plan's 200 are used, failed ones aside
        await _fill_month(orgs, org.id, first, 199)
        r = await org.owner.client.post(f"{DOCS}/{doc['id']}/exports", json={"format": "pdf"})
        problem = assert_problem(r, 402, "limit_reached")
        assert (problem["limit"], problem["current"], problem["required_tier"]) == (200, 200, "professional")
        assert "200 document exports a month" in problem["detail"]

    async def test_last_months_exports_do_not_count(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter")
        doc = await create_document(org.owner.client)
        first = await start_export(org.owner.client, doc["id"], "md")
        await _fill_month(orgs, org.id, first, 199)
        last_month = utcnow().replace(day=1) - timedelta(days=2)
        await age_exports(orgs.app, org.id, created_at=last_month)
        await start_export(org.owner.client, doc["id"], "md")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"format": "rtf"}, "format"),
            ({}, "format"),
            ({"format": "pdf", "options": {"page_size": "A3"}}, "options.page_size"),
            ({"format": "pdf", "options": {"cover_page": "sometimes"}}, "options.cover_page"),
            ({"format": "pdf", "colour": True}, "colour"),
        ],
    )
    async def test_bad_input_names_the_field(self, orgs: OrgFactory, payload: dict[str, Any], field: str) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        assert_validation(await org.owner.client.post(f"{DOCS}/{doc['id']}/exports", json=payload), field)


async def _set_status(orgs: OrgFactory, org_id: uuid.UUID, job_id: str, status: str) -> None:
    query = update(DocumentExport).where(DocumentExport.job_id == uuid.UUID(job_id))
    await run_in_org(orgs.app, org_id, query.values(status=status))


async def _fill_month(orgs: OrgFactory, org_id: uuid.UUID, job_id: str, count: int) -> None:
    """Test setup: `count` more succeeded exports this month, copies of an existing one."""
    async with orgs.app.state.session_factory() as session:
        set_organization(session, org_id)
        source = await session.scalar(select(DocumentExport).where(DocumentExport.job_id == uuid.UUID(job_id)))
        assert source is not None
        for _ in range(count):
            job = Job(id=uuid.uuid4(), name="document.export", organization_id=org_id, payload={}, status="succeeded")
            session.add(job)
            await session.flush()
            copy = DocumentExport(
                organization_id=org_id,
                document_id=source.document_id,
                job_id=job.id,
                format="md",
                options={},
                document_version=1,
                title="x",
                content="x",
                status="succeeded",
            )
            session.add(copy)
        await session.commit()


async def _run_queued(orgs: OrgFactory, job_id: str) -> str:
    """Run a queued job the way a consumer thread does."""
    threads = orgs.app.state.runtime.jobs.threads
    outcome: str = await asyncio.to_thread(threads.run_job, uuid.UUID(job_id))
    return outcome


async def _set_tier(orgs: OrgFactory, org_id: uuid.UUID, tier: str) -> None:
    await run_in_org(orgs.app, None, update(Organization).where(Organization.id == org_id).values(tier=tier))


class TestPollAndDownload:
    async def test_queued_export_is_409_not_ready_then_downloads_once_made(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner", "viewer"))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "html", cover_page=True, page_size="Letter")
        queued = await export_of(org.viewer.client, job_id)
        assert (queued["status"], queued["download_url"], queued["started_at"]) == ("queued", None, None)
        r = await org.viewer.client.get(f"{EXPORTS}/{job_id}/download")
        assert assert_problem(r, 409, "export_not_ready")["status"] == 409
        assert await _run_queued(queued_orgs, job_id) == "succeeded"
        made = await export_of(org.viewer.client, job_id)
        assert made["status"] == "succeeded" and made["download_url"].startswith("http://testserver/files/")
        assert made["options"] == {"page_size": "Letter", "cover_page": True}
        html = (await fetch_file(org.viewer.client, job_id)).decode()
        assert html.startswith("<!doctype html>") and "<style>" in html and "title-block--cover" in html
        assert "<h2>Consideration</h2>" in html and "<td>GBP 12,500,000</td>" in html

    async def test_an_edit_after_the_request_does_not_change_the_file(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client, content="# First draft")
        job_id = await start_export(org.owner.client, doc["id"], "md")
        saved = await org.owner.client.patch(
            f"{DOCS}/{doc['id']}/content", json={"content": "# Second draft", "base_version": 1}
        )
        assert saved.status_code == 200, saved.text
        await _run_queued(queued_orgs, job_id)
        assert await fetch_file(org.owner.client, job_id) == b"# First draft"
        assert (await export_of(org.owner.client, job_id))["document_version"] == 1

    async def test_expired_export_is_410(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "md")
        made = await export_of(org.owner.client, job_id)
        assert made["expires_at"] is not None
        await age_exports(orgs.app, org.id, expires_at=utcnow() - timedelta(seconds=1))
        gone = await export_of(org.owner.client, job_id)
        assert (gone["status"], gone["download_url"]) == ("expired", None)
        assert_problem(await org.owner.client.get(f"{EXPORTS}/{job_id}/download"), 410, "export_expired")

    async def test_list_is_newest_first_and_pages(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        doc = await create_document(org.owner.client)
        other_doc = await create_document(org.owner.client)
        made = [await start_export(org.owner.client, doc["id"], fmt) for fmt in ("md", "html", "md")]
        await start_export(org.owner.client, other_doc["id"], "md")
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = await org.viewer.client.get(f"{DOCS}/{doc['id']}/exports", params=params)
            assert page.status_code == 200, page.text
            seen += [e["job_id"] for e in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == made[::-1]

        assert_validation(await org.viewer.client.get(f"{DOCS}/{doc['id']}/exports", params={"cursor": "x"}), "cursor")

    async def test_the_list_costs_the_same_queries_for_one_export_or_many(
        self, orgs: OrgFactory, assert_query_count: Any
    ) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        url = f"{DOCS}/{doc['id']}/exports"
        await start_export(org.owner.client, doc["id"], "md")
        with assert_query_count.expect(3):  # the token, the document, the page of exports
            assert len((await org.owner.client.get(url)).json()["items"]) == 1
        for _ in range(4):
            await start_export(org.owner.client, doc["id"], "md")
        with assert_query_count.expect(3):
            assert len((await org.owner.client.get(url)).json()["items"]) == 5


class TestWorkerRecheck:
    async def test_a_downgrade_before_the_run_fails_the_export_with_the_reason(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "pdf")
        await _set_tier(queued_orgs, org.id, "free")
        assert await _run_queued(queued_orgs, job_id) == "failed"
        failed = await export_of(org.owner.client, job_id)
        assert (failed["status"], failed["error_code"]) == ("failed", "entitlement_required")
        assert "Starter plan" in failed["error"] and failed["finished_at"] is not None
        job = await org.owner.client.get(f"/api/jobs/{job_id}")
        assert (job.json()["status"], job.json()["attempts"]) == ("failed", 1)  # refused, not retried

    async def test_exports_ahead_in_the_month_take_the_last_slots(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        first = await start_export(org.owner.client, doc["id"], "md")
        second = await start_export(org.owner.client, doc["id"], "md")
        await _fill_month(queued_orgs, org.id, first, 199)
        ours = DocumentExport.job_id.in_([uuid.UUID(first), uuid.UUID(second)])
        earlier = update(DocumentExport).where(~ours).values(created_at=utcnow() - timedelta(seconds=5))
        await run_in_org(queued_orgs.app, org.id, earlier)  # as if made before both requests
        assert await _run_queued(queued_orgs, first) == "succeeded"
        assert await _run_queued(queued_orgs, second) == "failed"
        assert (await export_of(org.owner.client, second))["error_code"] == "limit_reached"


class TestRetry:
    async def test_member_retries_a_failed_export_as_a_new_one(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner", "member", "viewer"))
        doc = await create_document(org.owner.client, content="# Kept")
        job_id = await start_export(org.owner.client, doc["id"], "md")
        await _set_tier(queued_orgs, org.id, "free")
        await _run_queued(queued_orgs, job_id)
        assert_problem(await org.member.client.post(f"{EXPORTS}/{job_id}/retry"), 402, "entitlement_required")
        await _set_tier(queued_orgs, org.id, "starter")
        assert_problem(await org.viewer.client.post(f"{EXPORTS}/{job_id}/retry"), 403, "permission_denied")
        await org.owner.client.patch(f"{DOCS}/{doc['id']}/content", json={"content": "# Changed", "base_version": 1})
        r = await org.member.client.post(f"{EXPORTS}/{job_id}/retry")
        assert r.status_code == 202, r.text
        again = r.json()["job_id"]
        assert again != job_id
        assert await _run_queued(queued_orgs, again) == "succeeded"
        retried = await export_of(org.viewer.client, again)
        assert (retried["retry_of"], retried["document_version"]) == (job_id, 1)
        assert await fetch_file(org.viewer.client, again) == b"# Kept"
        assert_problem(await org.member.client.post(f"{EXPORTS}/{again}/retry"), 409, "export_not_failed")
        assert "document.export_retried" in await audit_actions(org.owner.client, subject_id=doc["id"])


class TestTenancy:
    async def test_another_organization_gets_404_on_every_route(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(tier="starter", roles=("owner",)), await orgs.create(tier="enterprise")
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "md")
        for actor in (other.owner, other.viewer):
            c = actor.client
            assert_problem(await c.post(f"{DOCS}/{doc['id']}/exports", json={"format": "md"}), 404)
            assert_problem(await c.get(f"{DOCS}/{doc['id']}/exports"), 404)
            assert_problem(await c.get(f"{EXPORTS}/{job_id}"), 404)
            assert_problem(await c.get(f"{EXPORTS}/{job_id}/download"), 404)
            assert_problem(await c.post(f"{EXPORTS}/{job_id}/retry"), 404)
        assert (await export_of(org.owner.client, job_id))["status"] == "succeeded"

    async def test_viewer_reads_everything_but_cannot_export_or_retry(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "md")
        v = org.viewer.client
        assert (await v.get(f"{DOCS}/{doc['id']}/exports")).status_code == 200
        assert (await v.get(f"{EXPORTS}/{job_id}")).status_code == 200
        assert (await v.get(f"{EXPORTS}/{job_id}/download")).status_code == 303
        assert_problem(await v.post(f"{EXPORTS}/{job_id}/retry"), 403, "permission_denied")
        assert_problem(await v.post(f"{DOCS}/{doc['id']}/exports", json={"format": "md"}), 403, "permission_denied")

    async def test_signed_out_is_401(self, orgs: OrgFactory) -> None:
        c = orgs.client()
        assert_problem(await c.get(f"{EXPORTS}/{uuid.uuid4()}"), 401)
