"""The organization's audit log page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mandate.audit.service import record_raw
from mandate.kit.db import utcnow
from mandate.kit.tenancy import set_organization
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser

pytestmark = pytest.mark.anyio


async def add_entries(app: Any, org_id: Any, n: int, action: str = "deal.created") -> None:
    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        start = utcnow() - timedelta(hours=1)
        for i in range(n):
            entry = record_raw(
                session,
                organization_id=org_id,
                actor_label="bot@example.com",
                action=action,
                subject_type="deal",
                subject_id=f"deal-{i}",
                data={"name": f"Deal {i}"},
            )
            entry.created_at = start + timedelta(seconds=i)
        await session.commit()


class TestAuditPage:
    async def test_owner_sees_table_with_export_link(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        c = await browser(orgs, org.admin.email)
        response = await c.get("/audit")
        assert response.status_code == 200
        assert '<th scope="col">Actor</th>' in response.text
        assert "Organization created" in response.text and "organization.created" in response.text
        assert 'href="/api/audit/export"' in response.text

    async def test_member_and_viewer_get_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        for actor in (org.member, org.viewer):
            c = await browser(orgs, actor.email)
            response = await c.get("/audit")
            assert response.status_code == 403
            assert "Only owners and admins can read the audit log" in response.text

    async def test_other_orgs_entries_are_not_shown(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        await add_entries(app, other.id, 1, action="deal.secret_thing")
        c = await browser(orgs, org.owner.email)
        response = await c.get("/audit")
        assert "secret_thing" not in response.text and other.owner.email not in response.text

    async def test_filters_and_export_query(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        await add_entries(app, org.id, 3, action="deal.stage_changed")
        c = await browser(orgs, org.owner.email)
        today = utcnow().date().isoformat()
        response = await c.get("/audit", params={"action": "deal", "subject_type": "deal", "date_from": today})
        assert response.status_code == 200
        assert response.text.count("deal.stage_changed</code>") == 3
        assert "organization.created</code>" not in response.text
        assert "/api/audit/export?action=deal&amp;subject_type=deal&amp;since=" in response.text
        export = await c.get("/api/audit/export?action=deal&subject_type=deal")
        assert export.status_code == 200 and export.text.count("deal.stage_changed") == 3

    async def test_bad_date_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.get("/audit", params={"date_from": "2026-13-45"})
        assert response.status_code == 422
        assert '<p class="error" id="date_from-error">Enter a date like' in response.text

    async def test_cursor_pagination(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        await add_entries(app, org.id, 60)
        c = await browser(orgs, org.owner.email)
        first = await c.get("/audit", params={"action": "deal.created"})
        assert first.text.count("deal.created</code>") == 50
        assert "Deal 59" in first.text and "Deal 9<" not in first.text
        next_href = first.text.split('href="/audit?', 2)[-1].split('"')[0].replace("&amp;", "&")
        assert "cursor=" in next_href
        second = await c.get(f"/audit?{next_href}")
        assert second.text.count("deal.created</code>") == 10
        assert "Deal 9<" in second.text and "Older entries" not in second.text

    async def test_htmx_request_gets_only_the_results(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.get("/audit", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="audit-results"')
