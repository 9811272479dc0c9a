"""The exports panel (HTML): listing, the form with and without htmx, polling, retry, plan prompts."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import update

from mandate.organization.models import Organization
from tests.document.exports.conftest import create_document, export_of, start_export
from tests.helpers.api import run_in_org
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, submit

pytestmark = pytest.mark.anyio
HX = {"HX-Request": "true"}


class TestPanel:
    async def test_no_js_form_posts_then_redirects_back_to_a_ready_download(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        c = await browser(orgs, org.owner.email)
        url = f"/documents/{doc['id']}/exports"
        empty = await c.get(url)
        assert empty.status_code == 200 and "<html" in empty.text and "No exports yet" in empty.text
        assert f'action="{url}"' in empty.text and 'name="format"' in empty.text

        posted = await submit(c, url, format="md", page_size="Letter", cover_page="1")
        assert (posted.status_code, posted.headers["location"]) == (303, url)
        panel = await c.get(url)
        assert "Markdown" in panel.text and "Ready" in panel.text and "Download" in panel.text
        assert 'hx-trigger="every 2s"' not in panel.text  # nothing pending: no polling
        link = panel.text.split('class="btn btn--small" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        file = await c.get(link.removeprefix("http://testserver"))
        assert file.status_code == 200 and file.content == doc["content"].encode()

    async def test_htmx_gets_the_fragment_which_polls_while_an_export_is_pending(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        c = await browser(queued_orgs, org.owner.email)
        url = f"/documents/{doc['id']}/exports"
        swapped = await c.post(
            url, data={"format": "pdf", "page_size": "A4"}, headers={**HX, "X-CSRF-Token": c.cookies["mandate_csrf"]}
        )
        assert swapped.status_code == 200
        assert swapped.text.lstrip().startswith('<div id="exports-panel"') and "<html" not in swapped.text
        assert 'hx-trigger="every 2s"' in swapped.text and "Queued" in swapped.text
        job_id = swapped.text.split('id="export-row-', 1)[1].split('"', 1)[0]
        threads = queued_orgs.app.state.runtime.jobs.threads
        assert await asyncio.to_thread(threads.run_job, uuid.UUID(job_id)) == "succeeded"
        polled = await c.get(url, headers=HX)
        assert "Ready" in polled.text and 'hx-trigger="every 2s"' not in polled.text
        restored = await c.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
        assert "<html" in restored.text

    async def test_failed_export_offers_retry_that_queues_a_new_one(self, queued_orgs: OrgFactory) -> None:
        org = await queued_orgs.create(tier="starter", roles=("owner", "viewer"))
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "md")
        await _set_tier(queued_orgs, org.id, "free")
        threads = queued_orgs.app.state.runtime.jobs.threads
        await asyncio.to_thread(threads.run_job, uuid.UUID(job_id))
        await _set_tier(queued_orgs, org.id, "starter")
        c = await browser(queued_orgs, org.owner.email)
        url = f"/documents/{doc['id']}/exports"
        panel = await c.get(url)
        assert "Failed" in panel.text and "needs the Starter plan" in panel.text
        retry_url = f"{url}/{job_id}/retry"
        assert f'action="{retry_url}"' in panel.text
        viewer_panel = await (await browser(queued_orgs, org.viewer.email)).get(url)
        assert (
            "Failed" in viewer_panel.text
            and retry_url not in viewer_panel.text
            and 'name="format"' not in viewer_panel.text
        )
        retried = await submit(c, retry_url)
        assert (retried.status_code, retried.headers["location"]) == (303, url)
        again = await c.get(url)
        assert again.text.count('id="export-row-') == 2 and "Queued" in again.text
        assert (await export_of(org.owner.client, job_id))["status"] == "failed"


class TestPlanPrompts:
    async def test_free_plan_sees_an_upgrade_prompt_naming_starter_instead_of_the_form(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        doc = await create_document(org.owner.client)
        c = await browser(orgs, org.owner.email)
        panel = await c.get(f"/documents/{doc['id']}/exports", headers=HX)
        assert 'name="format"' not in panel.text
        assert "Upgrade to unlock this" in panel.text and "Starter plan" in panel.text
        assert 'href="/plans#tier-starter"' in panel.text
        refused = await submit(c, f"/documents/{doc['id']}/exports", format="pdf", page_size="A4")
        assert refused.status_code == 402 and "Starter" in refused.text

    async def test_past_the_monthly_limit_the_panel_says_so(self, orgs: OrgFactory) -> None:
        from tests.document.exports.test_api import _fill_month

        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        first = await start_export(org.owner.client, doc["id"], "md")
        await _fill_month(orgs, org.id, first, 199)
        panel = await (await browser(orgs, org.owner.email)).get(f"/documents/{doc['id']}/exports")
        assert 'name="format"' not in panel.text
        assert "reached your plan" in panel.text and "200 document exports a month" in panel.text
        assert 'href="/plans#tier-professional"' in panel.text


class TestAccess:
    async def test_another_organization_gets_404_on_every_panel_route(self, orgs: OrgFactory) -> None:
        org, other = (
            await orgs.create(tier="starter", roles=("owner",)),
            await orgs.create(tier="enterprise", roles=("owner",)),
        )
        doc = await create_document(org.owner.client)
        job_id = await start_export(org.owner.client, doc["id"], "md")
        c = await browser(orgs, other.owner.email)
        url = f"/documents/{doc['id']}/exports"
        assert (await c.get(url)).status_code == 404
        assert (await submit(c, url, format="md", page_size="A4")).status_code == 404
        assert (await submit(c, f"{url}/{job_id}/retry")).status_code == 404

    async def test_viewer_sees_the_list_but_cannot_post(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        doc = await create_document(org.owner.client)
        await start_export(org.owner.client, doc["id"], "md")
        c = await browser(orgs, org.viewer.email)
        url = f"/documents/{doc['id']}/exports"
        panel = await c.get(url)
        assert panel.status_code == 200 and "Download" in panel.text and 'name="format"' not in panel.text
        assert (await submit(c, url, format="md", page_size="A4")).status_code == 403

    async def test_bad_form_input_is_422_naming_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        doc = await create_document(org.owner.client)
        c = await browser(orgs, org.owner.email)
        bad = await submit(c, f"/documents/{doc['id']}/exports", format="rtf", page_size="A4")
        assert bad.status_code == 422 and "Choose PDF" in bad.text

    async def test_signed_out_visitors_are_sent_to_log_in(self, orgs: OrgFactory) -> None:
        response = await orgs.client().get(f"/documents/{uuid.uuid4()}/exports")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def _set_tier(orgs: OrgFactory, org_id: uuid.UUID, tier: str) -> None:
    await run_in_org(orgs.app, None, update(Organization).where(Organization.id == org_id).values(tier=tier))
