"""The staff console: organizations and tiers, users, the platform-wide audit log."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, make_staff, submit

pytestmark = pytest.mark.anyio
PAGES = ("/staff", "/staff/users", "/staff/audit")


class TestStaffConsole:
    async def test_staff_sees_every_page(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(name="Harbour Test", roles=("owner",))
        c = await browser(orgs, await make_staff(app))
        orgs_page = await c.get("/staff")
        assert orgs_page.status_code == 200
        assert "Harbour Test" in orgs_page.text and f'<label for="tier-{org.id}"' in orgs_page.text
        users_page = await c.get("/staff/users")
        assert org.owner.email in users_page.text
        audit_page = await c.get("/staff/audit", params={"organization": str(org.id)})
        assert audit_page.status_code == 200
        assert "organization.created" in audit_page.text and "Harbour Test" in audit_page.text

    async def test_non_staff_get_404_everywhere(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        for path in PAGES:
            assert (await c.get(path)).status_code == 404
        assert (await submit(c, f"/staff/organizations/{org.id}/tier", tier="enterprise")).status_code == 404
        assert (await org.owner.client.get("/api/organizations/current")).json()["tier"] == "free"

    async def test_search(self, orgs: OrgFactory, app: Any) -> None:
        await orgs.create(name="Alpha Advisory", roles=("owner",))
        await orgs.create(name="Beta Buyout", roles=("owner",))
        c = await browser(orgs, await make_staff(app))
        response = await c.get("/staff", params={"q": "alpha"})
        assert "Alpha Advisory" in response.text and "Beta Buyout" not in response.text
        users = await c.get("/staff/users", params={"q": "staff@"})
        assert "Platform Staff" in users.text and "Owner" not in users.text

    async def test_change_tier(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, await make_staff(app))
        response = await submit(c, f"/staff/organizations/{org.id}/tier", tier="professional")
        assert response.status_code == 303
        assert (await org.owner.client.get("/api/organizations/current")).json()["tier"] == "professional"
        page = await c.get(response.headers["location"])
        assert "is now on the Professional plan" in page.text

    async def test_unknown_tier_is_explained(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, await make_staff(app))
        response = await submit(c, f"/staff/organizations/{org.id}/tier", tier="platinum")
        assert response.status_code == 303
        page = await c.get(response.headers["location"])
        assert "Choose one of free, starter, professional, enterprise" in page.text
        assert (await org.owner.client.get("/api/organizations/current")).json()["tier"] == "free"

    async def test_unknown_org_is_404(self, app: Any, orgs: OrgFactory) -> None:
        c = await browser(orgs, await make_staff(app))
        response = await submit(c, "/staff/organizations/00000000-0000-0000-0000-000000000000/tier", tier="starter")
        assert response.status_code == 404
