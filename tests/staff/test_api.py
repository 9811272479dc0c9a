"""The staff console API: hidden (404) from everyone but platform staff."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from mandate.account.service import create_user
from tests.helpers.api import assert_problem, assert_validation, audit_actions, create_deal
from tests.helpers.fixtures import PASSWORD, Org, OrgFactory

pytestmark = pytest.mark.anyio

STAFF_EMAIL = "staff@mandate.example"


async def staff_client(app: Any, orgs: OrgFactory) -> httpx.AsyncClient:
    async with app.state.session_factory() as session:
        await create_user(session, email=STAFF_EMAIL, password=PASSWORD, full_name="Sam Staff", is_staff=True)
        await session.commit()
    return await orgs.login_cookie_client(STAFF_EMAIL)


def staff_routes(org: Org) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", "/api/staff/organizations", None),
        ("PATCH", f"/api/staff/organizations/{org.id}", {"tier": "enterprise"}),
        ("GET", "/api/staff/users", None),
        ("GET", "/api/staff/audit", None),
    ]


class TestNonStaff:
    async def test_every_role_gets_404_on_every_staff_route(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        for actor in (org.owner, org.viewer):
            for method, path, body in staff_routes(org):
                r = await actor.client.request(method, path, json=body)
                assert_problem(r, 404, "not_found")
        assert (await org.owner.client.get("/api/me")).json()["tier"] == "free"

    async def test_cookie_session_of_non_staff_gets_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        for method, path, body in staff_routes(org):
            assert_problem(await browser.request(method, path, json=body), 404, "not_found")

    async def test_anonymous_gets_401(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        for method, path, body in staff_routes(org):
            assert_problem(await client.request(method, path, json=body), 401)


class TestStaffOrganizations:
    async def test_lists_every_organization_with_member_counts(self, orgs: OrgFactory, app: Any) -> None:
        first = await orgs.create(roles=("owner", "viewer"))
        second = await orgs.create(roles=("owner",))
        staff = await staff_client(app, orgs)
        r = await staff.get("/api/staff/organizations")
        assert r.status_code == 200, r.text
        listed = {o["id"]: o for o in r.json()["items"]}
        assert listed[str(first.id)]["members"] == 2
        assert listed[str(second.id)]["members"] == 1
        r = await staff.get("/api/staff/organizations", params={"q": second.slug})
        assert [o["id"] for o in r.json()["items"]] == [str(second.id)]

    async def test_lists_users(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        staff = await staff_client(app, orgs)
        r = await staff.get("/api/staff/users", params={"q": org.owner.email})
        assert [u["id"] for u in r.json()["items"]] == [str(org.owner.user_id)]
        assert (await staff.get("/api/staff/users", params={"q": "%"})).json()["items"] == []
        assert (await staff.get("/api/staff/organizations", params={"q": "_"})).json()["items"] == []


class TestStaffChangeTier:
    async def test_changes_tier_and_writes_audit(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        staff = await staff_client(app, orgs)
        r = await staff.patch(f"/api/staff/organizations/{org.id}", json={"tier": "professional"})
        assert r.status_code == 200, r.text
        assert r.json()["tier"] == "professional"
        me = (await org.owner.client.get("/api/me")).json()
        assert me["tier"] == "professional"
        assert me["entitlements"]["limits"]["active_deals"] == 250
        entry = (await org.owner.client.get("/api/audit", params={"action": "organization.tier_changed"})).json()
        [item] = entry["items"]
        assert item["data"] == {"from": "free", "to": "professional"}
        assert item["actor"] == f"staff:{STAFF_EMAIL}"
        assert item["subject_id"] == str(org.id)

    async def test_upgrade_lifts_the_deal_limit(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        for i in range(5):
            await create_deal(org.owner.client, name=f"D{i}")
        assert_problem(await org.owner.client.post("/api/deals", json={"name": "6", "target_company": "x"}), 402)
        staff = await staff_client(app, orgs)
        await staff.patch(f"/api/staff/organizations/{org.id}", json={"tier": "starter"})
        await create_deal(org.owner.client, name="Sixth")

    async def test_same_tier_writes_no_entry(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        staff = await staff_client(app, orgs)
        r = await staff.patch(f"/api/staff/organizations/{org.id}", json={"tier": "starter"})
        assert r.status_code == 200
        assert "organization.tier_changed" not in await audit_actions(org.owner.client)

    @pytest.mark.parametrize("body", [{"tier": "platinum"}, {}, {"tier": "free", "name": "x"}])
    async def test_bad_body_is_422_and_changes_nothing(self, orgs: OrgFactory, app: Any, body: dict[str, str]) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        staff = await staff_client(app, orgs)
        r = await staff.patch(f"/api/staff/organizations/{org.id}", json=body)
        assert_validation(r, "name" if "name" in body else "tier")
        assert (await org.owner.client.get("/api/me")).json()["tier"] == "starter"

    async def test_unknown_org_is_404(self, orgs: OrgFactory, app: Any) -> None:
        staff = await staff_client(app, orgs)
        r = await staff.patch(f"/api/staff/organizations/{uuid.uuid4()}", json={"tier": "starter"})
        assert_problem(r, 404, "not_found")

    async def test_needs_csrf(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        staff = await staff_client(app, orgs)
        del staff.headers["X-CSRF-Token"]
        r = await staff.patch(f"/api/staff/organizations/{org.id}", json={"tier": "enterprise"})
        assert_problem(r, 403, "csrf_failed")
        assert (await org.owner.client.get("/api/me")).json()["tier"] == "free"


class TestStaffAudit:
    async def test_reads_every_orgs_log_and_filters_by_org(self, orgs: OrgFactory, app: Any) -> None:
        first = await orgs.create(roles=("owner",))
        second = await orgs.create(roles=("owner",))
        deal = await create_deal(second.owner.client)
        staff = await staff_client(app, orgs)
        r = await staff.get("/api/staff/audit", params={"limit": 200})
        assert r.status_code == 200, r.text
        assert {str(first.id), str(second.id)} <= {e["organization_id"] for e in r.json()["items"]}
        r = await staff.get("/api/staff/audit", params={"organization_id": str(second.id), "subject_id": deal["id"]})
        assert [e["action"] for e in r.json()["items"]] == ["deal.created"]

    async def test_bad_filter_is_422(self, orgs: OrgFactory, app: Any) -> None:
        staff = await staff_client(app, orgs)
        assert_validation(await staff.get("/api/staff/audit", params={"since": "2026-01-01T00:00:00"}), "since")
        assert_validation(await staff.get("/api/staff/audit", params={"organization_id": "x"}), "organization_id")
