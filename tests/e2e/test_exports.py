"""Exports in the browser: from the filtered deal list to a downloaded file, and the staff jobs tab."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.flows import api_create_deal, api_token, log_in, start_as_new_owner
from tests.e2e.harness import Pilot


class TestDealExport:
    def test_export_the_filtered_list_and_download_it(self, pilot: Pilot, tmp_path: Path) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Esme", "Eastgate Partners")
        token, _org = api_token(server, account.email)
        api_create_deal(server, token, name="Project Heron", target_company="Heron Ltd", stage="screening")
        api_create_deal(server, token, name="Project Ibis", target_company="Ibis plc", stage="closing")

        page = pilot.visit("/deals/list?stage=screening")
        pilot.submit(page.get_by_role("link", name="Export these deals…").click, url=re.compile(r"/deals/export\?"))
        expect(page.get_by_text("1 deal matches your filters")).to_be_visible()
        page.get_by_label("Excel workbook").check()
        page.get_by_label("CSV").check()
        pilot.submit(page.get_by_role("button", name="Export 1 deal").click, url=re.compile(r"/jobs/[0-9a-f-]{36}$"))

        status = page.locator("#job-status")
        expect(status).to_contain_text("Ready", timeout=20_000)  # the page polls until the job is done
        pilot.check("ready")
        with page.expect_download() as waiting:
            page.get_by_role("link", name=re.compile(r"^Download deals-")).click()
        saved = tmp_path / "deals.csv"
        waiting.value.save_as(saved)
        rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
        assert [row[0] for row in rows] == ["Deal", "Project Heron"]


class TestStaffJobs:
    def test_staff_see_jobs_by_state(self, pilot: Pilot) -> None:
        server = pilot.visitor.server
        account = start_as_new_owner(pilot, "Jude", "Jobwatch Capital")
        token, _org = api_token(server, account.email)
        with server.api(token) as client:
            assert client.post("/api/deals/exports", json={}).status_code == 202
        staff = pilot.visitor.new_pilot()  # a second window, signed in as platform staff
        log_in(staff, server.staff.email, server.staff.password, next="/staff/jobs", lands_on=r"/staff/jobs$")
        page = staff.visit("/staff/jobs?status=succeeded")
        expect(page.get_by_role("table").get_by_text("deal.export").first).to_be_visible()
