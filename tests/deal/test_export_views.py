"""Exporting deals in the browser: confirm the filters, follow the job, download the file."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.api import create_deal
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, submit

pytestmark = pytest.mark.anyio


class TestExportPages:
    async def test_list_links_to_an_export_of_the_current_filters(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        await create_deal(org.owner.client, name="Project Kestrel", target_company="Kestrel Ltd", stage="screening")
        await create_deal(org.owner.client, name="Project Wren", target_company="Wren Ltd", stage="closing")
        c = await browser(orgs, org.viewer.email)
        listing = await c.get("/deals/list", params={"stage": "screening"})
        assert 'href="/deals/export?stage=screening"' in listing.text
        confirm = await c.get("/deals/export", params={"stage": "screening"})
        assert confirm.status_code == 200
        assert "1 deal matches your filters" in confirm.text and "Export 1 deal" in confirm.text

        started = await submit(c, "/deals/export", stage="screening", format="csv")
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
        job_page = await c.get(started.headers["location"])
        assert job_page.status_code == 200
        assert "Ready" in job_page.text and "1 row" in job_page.text and "Download deals-" in job_page.text
        link = job_page.text.split('class="btn btn--primary" href="', 1)[1].split('"', 1)[0]
        file = await c.get(link.replace("&amp;", "&").removeprefix("http://testserver"))
        assert file.status_code == 200 and b"Project Kestrel" in file.content and b"Project Wren" not in file.content

    async def test_polling_returns_only_the_status_block(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        started = await submit(c, "/deals/export", format="xlsx")
        polled = await c.get(started.headers["location"], headers={"HX-Request": "true"})
        assert polled.text.lstrip().startswith('<div id="job-status"') and "<html" not in polled.text
        assert "hx-trigger" not in polled.text  # finished: the block stops polling
        restored = await c.get(
            started.headers["location"], headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
        )
        assert "<html" in restored.text  # the back button gets the whole page, not the fragment

    async def test_another_organization_s_job_page_is_404(self, orgs: OrgFactory) -> None:
        mine, theirs = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        started = await submit(await browser(orgs, theirs.owner.email), "/deals/export", format="csv")
        c = await browser(orgs, mine.owner.email)
        assert (await c.get(started.headers["location"])).status_code == 404

    async def test_signed_out_visitors_are_sent_to_log_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/deals/export")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/deals/export")
