"""Exporting the pipeline: a job writes the file, the job's status links to it."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
import pytest

from tests.helpers.api import assert_problem, assert_validation, create_deal
from tests.helpers.fixtures import Actor, OrgFactory

pytestmark = pytest.mark.anyio


async def export(actor: Actor, **body: Any) -> dict[str, Any]:
    started = await actor.client.post("/api/deals/exports", json=body)
    assert started.status_code == 202, started.text
    accepted = started.json()
    assert accepted["status"] == "queued" and accepted["poll_url"] == f"/api/jobs/{accepted['job_id']}"
    status = await actor.client.get(accepted["poll_url"])  # the immediate queue ran it on commit
    assert status.status_code == 200
    return dict(status.json())


async def download(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, response.text
    return response


class TestDealExport:
    async def test_csv_holds_the_filtered_deals_with_formulas_escaped(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        member = org.member
        await create_deal(member.client, name="Project Atlas", target_company="Atlas Ltd", stage="screening")
        await create_deal(member.client, name="=HYPERLINK(1)", target_company="+Evil", stage="screening")
        await create_deal(member.client, name="Project Other", target_company="Other Ltd", stage="closing")
        job = await export(member, stage="screening")
        assert (job["status"], job["result"]["rows"]) == ("succeeded", 2)
        assert job["result"]["file"]["filename"].startswith("deals-") and job["download_url"]
        response = await download(member.client, job["download_url"])
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="deals-' in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["Deal", "Target company", "Industry", "Stage"]
        assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
            ("'=HYPERLINK(1)", "'+Evil", "Screening"),
            ("Project Atlas", "Atlas Ltd", "Screening"),
        ]

    async def test_owner_filter_survives_the_trip_through_the_job(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        await create_deal(org.owner.client, name="Owner's deal", target_company="O Ltd")
        await create_deal(org.member.client, name="Member's deal", target_company="M Ltd")
        job = await export(org.owner, owner_id=str(org.member.user_id))
        response = await download(org.owner.client, job["download_url"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r[0] for r in rows[1:]] == ["Member's deal"]

    async def test_xlsx_reads_back(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        await create_deal(
            org.owner.client, name="Project Sized", target_company="Sized plc", deal_size={"amount_minor": 1250000000}
        )
        job = await export(org.owner, format="xlsx")
        response = await download(org.owner.client, job["download_url"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == "Deal" and values[1][0] == "Project Sized"
        assert values[1][4] == 12500000 and values[1][5] == "GBP"

    async def test_every_role_may_export_and_the_request_is_audited(self, orgs: OrgFactory) -> None:
        org = await orgs.create()
        for actor in org.actors.values():
            assert (await export(actor))["status"] == "succeeded", actor.role
        audit = (await org.owner.client.get("/api/audit", params={"action": "deal.export_requested"})).json()
        assert len(audit["items"]) == 4

    async def test_another_organization_cannot_see_the_job_and_its_deals_stay_out(self, orgs: OrgFactory) -> None:
        mine, theirs = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        await create_deal(theirs.owner.client, name="Their Secret", target_company="Hidden Ltd")
        job = await export(mine.owner)
        assert job["result"]["rows"] == 0
        assert_problem(await theirs.owner.client.get(f"/api/jobs/{job['job_id']}"), 404, "not_found")

    async def test_an_owner_from_another_organization_is_refused(self, orgs: OrgFactory) -> None:
        mine, theirs = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        response = await mine.owner.client.post("/api/deals/exports", json={"owner_id": str(theirs.owner.user_id)})
        assert_validation(response, "owner_id")

    async def test_bad_input_names_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.post("/api/deals/exports", json={"format": "pdf"}), "format")
        assert_validation(await org.owner.client.post("/api/deals/exports", json={"colour": "red"}), "colour")

    async def test_no_body_exports_every_active_deal_as_csv(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        await create_deal(org.owner.client, name="Project Plain", target_company="Plain Ltd")
        started = await org.owner.client.post("/api/deals/exports")
        assert started.status_code == 202
        job = (await org.owner.client.get(started.json()["poll_url"])).json()
        assert (job["result"]["rows"], job["result"]["file"]["content_type"]) == (1, "text/csv; charset=utf-8")

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/api/deals/exports", json={}), 401, "not_authenticated")

    async def test_a_tampered_download_link_is_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        job = await export(org.owner)
        url = job["download_url"].removeprefix("http://testserver")
        forged = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
        assert_problem(await org.owner.client.get(forged), 403, None)
