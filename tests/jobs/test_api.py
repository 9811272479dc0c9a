"""Job status for an organization's members, and the staff jobs API and console tab."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.helpers.api import assert_problem
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, make_staff, submit
from tests.jobs.conftest import commit_job, load_job
from tests.staff.test_api import staff_client

pytestmark = pytest.mark.anyio


class TestJobStatus:
    async def test_every_member_role_reads_its_organization_s_job(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create()
        job_id = await commit_job(app, org.id, "test.record", {"value": "v"})
        for actor in org.actors.values():
            r = await actor.client.get(f"/api/jobs/{job_id}")
            assert r.status_code == 200, actor.role
            body = r.json()
            assert (body["job_id"], body["status"], body["result"]) == (str(job_id), "succeeded", {"echo": "v"})
            assert body["error"] is None and body["download_url"] is None

    async def test_a_failed_job_shows_its_error(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        job_id = await commit_job(app, org.id, "test.reject")
        body = (await org.owner.client.get(f"/api/jobs/{job_id}")).json()
        assert (body["status"], body["error"]) == ("failed", "The input file is not a spreadsheet.")

    async def test_another_organization_s_job_is_404(self, orgs: OrgFactory, app: Any) -> None:
        mine, theirs = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        their_job = await commit_job(app, theirs.id, "test.record")
        assert_problem(await mine.owner.client.get(f"/api/jobs/{their_job}"), 404, "not_found")
        assert_problem(await mine.owner.client.get(f"/api/jobs/{uuid.uuid4()}"), 404, "not_found")

    async def test_anonymous_is_401(self, orgs: OrgFactory, app: Any, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        job_id = await commit_job(app, org.id, "test.record")
        assert_problem(await client.get(f"/api/jobs/{job_id}"), 401, "not_authenticated")


class TestStaffJobs:
    async def test_staff_list_counts_and_filters(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        ok = await commit_job(app, org.id, "test.record")
        bad = await commit_job(app, org.id, "test.reject")
        staff = await staff_client(app, orgs)
        body = (await staff.get("/api/staff/jobs")).json()
        assert body["counts"] == {"queued": 0, "running": 0, "succeeded": 1, "failed": 1}
        assert {item["job_id"] for item in body["items"]} == {str(ok), str(bad)}
        failed = (await staff.get("/api/staff/jobs", params={"status": "failed"})).json()["items"]
        assert [(j["job_id"], j["organization_id"], j["error"]) for j in failed] == [
            (str(bad), str(org.id), "The input file is not a spreadsheet.")
        ]
        assert_problem(await staff.get("/api/staff/jobs", params={"status": "lost"}), 422, "validation_error")

    async def test_retry_gives_a_failed_job_new_attempts(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        job_id = await commit_job(app, org.id, "test.flaky", {"failures": 3})
        assert (await load_job(app, job_id)).status == "failed"
        staff = await staff_client(app, orgs)
        r = await staff.post(f"/api/staff/jobs/{job_id}/retry")
        assert r.status_code == 200 and r.json()["status"] == "queued"
        job = await load_job(app, job_id)  # the immediate queue ran it on commit
        assert (job.status, job.attempts, job.result) == ("succeeded", 4, {"attempts": 4})
        audit = (await org.owner.client.get("/api/audit", params={"action": "job.retried"})).json()["items"]
        assert [entry["action"] for entry in audit] == ["job.retried"]
        assert_problem(await staff.post(f"/api/staff/jobs/{job_id}/retry"), 409, "job_not_failed")
        assert_problem(await staff.post(f"/api/staff/jobs/{uuid.uuid4()}/retry"), 404, "not_found")

    async def test_non_staff_get_404_and_anonymous_401(
        self, orgs: OrgFactory, app: Any, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create()
        job_id = await commit_job(app, org.id, "test.reject")
        for actor in org.actors.values():
            assert_problem(await actor.client.get("/api/staff/jobs"), 404, "not_found")
            assert_problem(await actor.client.post(f"/api/staff/jobs/{job_id}/retry"), 404, "not_found")
        assert_problem(await client.get("/api/staff/jobs"), 401, "not_authenticated")
        assert (await load_job(app, job_id)).status == "failed"


class TestStaffJobsPage:
    async def test_shows_failed_jobs_with_their_error_and_retries(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        job_id = await commit_job(app, org.id, "test.flaky", {"failures": 3})
        c = await browser(orgs, await make_staff(app))
        page = await c.get("/staff/jobs", params={"status": "failed"})
        assert page.status_code == 200
        assert "test.flaky" in page.text and "ConnectionError: attempt 3 lost its connection" in page.text
        response = await submit(c, f"/staff/jobs/{job_id}/retry")
        assert response.status_code == 303
        assert "is queued again" in (await c.get(response.headers["location"])).text
        assert (await load_job(app, job_id)).status == "succeeded"

    async def test_non_staff_get_404(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        job_id = await commit_job(app, org.id, "test.reject")
        c = await browser(orgs, org.owner.email)
        assert (await c.get("/staff/jobs")).status_code == 404
        assert (await submit(c, f"/staff/jobs/{job_id}/retry")).status_code == 404
        assert (await load_job(app, job_id)).status == "failed"
