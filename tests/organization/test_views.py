"""Organization settings pages, the org switcher and invitation acceptance (HTML)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mandate.organization import repository as org_repo
from tests.helpers.fixtures import PASSWORD, OrgFactory
from tests.helpers.pages import browser, field_error, make_user, path_of, submit

pytestmark = pytest.mark.anyio
BASE = "/settings/organization"


async def invite_link(org_owner_client: httpx.AsyncClient, email: str, role: str = "member") -> str:
    body = {"email": email, "role": role}
    response = await org_owner_client.post("/api/organizations/current/invitations", json=body)
    assert response.status_code == 201, response.text
    return path_of(response.json()["accept_url"])


async def memberships(app: Any, email: str) -> list[str]:
    from mandate.account.repository import get_user_by_email

    async with app.state.session_factory() as session:
        user = await get_user_by_email(session, email)
        assert user is not None
        return [o.slug for _m, o in await org_repo.memberships_of_user(session, user.id)]


async def role_of(client: httpx.AsyncClient, email: str) -> str:
    members = (await client.get("/api/organizations/current/members")).json()["items"]
    return next(m["role"] for m in members if m["email"] == email)


class TestGeneral:
    async def test_owner_sees_rename_form_and_tabs(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.get(BASE)
        assert response.status_code == 200
        assert f'action="{BASE}"' in response.text
        for tab in ("Members", "Invitations", "API tokens", "Plan and usage"):
            assert tab in response.text

    async def test_rename_and_change_slug(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, BASE, name="Harbour Partners", slug="harbour-partners")
        assert response.status_code == 303
        current = (await org.owner.client.get("/api/organizations/current")).json()
        assert (current["name"], current["slug"]) == ("Harbour Partners", "harbour-partners")

    async def test_taken_slug_is_named_on_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, BASE, name="Mine", slug=other.slug)
        assert response.status_code == 409
        assert "choose another" in field_error(response.text, "slug")

    async def test_empty_name_is_named_on_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, BASE, name=" ", slug=org.slug)
        assert response.status_code == 422
        assert field_error(response.text, "name") == "Enter an organization name"

    async def test_viewer_sees_read_only_details_and_fewer_tabs(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        c = await browser(orgs, org.viewer.email)
        response = await c.get(BASE)
        assert response.status_code == 200
        assert f'action="{BASE}"' not in response.text
        assert "Only owners and admins can rename" in response.text
        assert f'href="{BASE}/invitations"' not in response.text
        assert f'href="{BASE}/tokens"' not in response.text

    async def test_viewer_cannot_post_a_rename(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        c = await browser(orgs, org.viewer.email)
        response = await submit(c, BASE, name="Hijacked", slug=org.slug)
        assert response.status_code == 403


class TestMembers:
    async def test_owner_sees_labelled_role_controls(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        response = await c.get(f"{BASE}/members")
        assert response.status_code == 200
        assert f'<label for="role-{org.member.user_id}" class="visually-hidden">Role for Member' in response.text
        assert f"{BASE}/members/{org.member.user_id}/remove" in response.text

    async def test_viewer_sees_list_without_controls_or_invite(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        c = await browser(orgs, org.viewer.email)
        response = await c.get(f"{BASE}/members")
        assert response.status_code == 200
        assert org.owner.email in response.text
        assert "/role" not in response.text
        assert "Invite people" not in response.text
        assert f'action="{BASE}/leave"' in response.text

    async def test_change_role(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/members/{org.member.user_id}/role", role="viewer")
        assert response.status_code == 303
        assert await role_of(org.owner.client, org.member.email) == "viewer"

    async def test_last_owner_cannot_demote_themselves(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/members/{org.owner.user_id}/role", role="member")
        assert response.status_code == 409
        assert "Make someone else an owner first" in response.text
        assert await role_of(org.owner.client, org.owner.email) == "owner"

    async def test_member_cannot_change_roles(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        c = await browser(orgs, org.member.email)
        response = await submit(c, f"{BASE}/members/{org.viewer.user_id}/role", role="admin")
        assert response.status_code == 403
        assert await role_of(org.owner.client, org.viewer.email) == "viewer"

    async def test_user_of_another_org_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        assert (await submit(c, f"{BASE}/members/{other.member.user_id}/role", role="viewer")).status_code == 404
        assert (await submit(c, f"{BASE}/members/{other.member.user_id}/remove")).status_code == 404

    async def test_remove_member(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/members/{org.member.user_id}/remove")
        assert response.status_code == 303
        members = (await org.owner.client.get("/api/organizations/current/members")).json()["items"]
        assert [m["email"] for m in members] == [org.owner.email]

    async def test_member_leaves(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.member.email)
        response = await submit(c, f"{BASE}/leave")
        assert response.status_code == 303
        assert response.headers["location"] == "/settings/account"
        assert await memberships(app, org.member.email) == []

    async def test_last_owner_cannot_leave(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/leave")
        assert response.status_code == 409
        assert "you are the only owner" in response.text
        assert await memberships(app, org.owner.email) == [org.slug]


class TestInvitations:
    async def test_invite_then_see_the_link_to_copy(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/invitations", email="new.person@example.com", role="member")
        assert response.status_code == 303
        page = await c.get(response.headers["location"])
        assert page.status_code == 200
        assert "Invitation emailed to new.person@example.com" in page.text
        assert re.search(r'value="http://testserver/invitations/accept\?token=[^"]+"', page.text)
        assert "Copy link" in page.text

    async def test_invalid_email_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/invitations", email="not-an-email", role="member")
        assert response.status_code == 422
        assert field_error(response.text, "email")
        assert 'value="not-an-email"' in response.text

    async def test_free_org_inviting_a_second_member_sees_upgrade_prompt(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/invitations", email="second@example.com", role="member")
        assert response.status_code == 402
        assert "You have reached your plan's limit" in response.text
        assert 'href="/plans#tier-starter"' in response.text
        pending = (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"]
        assert pending == []

    async def test_viewer_and_member_get_no_invite_form(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "member", "viewer"))
        for actor in (org.viewer, org.member):
            c = await browser(orgs, actor.email)
            response = await c.get(f"{BASE}/invitations")
            assert response.status_code == 403
            assert 'name="email"' not in response.text
            assert (await submit(c, f"{BASE}/invitations", email="x@example.com", role="viewer")).status_code == 403

    async def test_revoke_invitation_and_other_orgs_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        other = await orgs.create(tier="starter", roles=("owner",))
        mine = await org.owner.client.post("/api/organizations/current/invitations", json={"email": "a@example.com"})
        theirs = await other.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "b@example.com"}
        )
        c = await browser(orgs, org.owner.email)
        assert (await submit(c, f"{BASE}/invitations/{theirs.json()['id']}/revoke")).status_code == 404
        assert (await submit(c, f"{BASE}/invitations/{mine.json()['id']}/revoke")).status_code == 303
        assert (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"] == []
        assert len((await other.owner.client.get("/api/organizations/current/invitations")).json()["items"]) == 1


class TestTokens:
    async def test_create_shows_secret_once(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/tokens", name="CRM sync", expires_on="2099-01-31")
        assert response.status_code == 201
        assert response.headers["cache-control"] == "no-store"
        secret = re.search(r'id="new-secret" type="text" value="(mdt_[^"]+)"', response.text)
        assert secret and "only time it is shown" in response.text
        listing = await c.get(f"{BASE}/tokens")
        assert "CRM sync" in listing.text and "01 Feb 2099" in listing.text
        assert secret.group(1) not in listing.text
        api = httpx.AsyncClient(transport=c._transport, base_url="http://testserver")
        async with api:
            me = await api.get("/api/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
        assert me.status_code == 200

    async def test_missing_name_and_bad_date_are_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, f"{BASE}/tokens", name=" ", expires_on="")
        assert response.status_code == 422
        assert field_error(response.text, "name")
        response = await submit(c, f"{BASE}/tokens", name="Old", expires_on="2001-01-01")
        assert response.status_code == 422
        assert field_error(response.text, "expires_on") == "Choose a time in the future"

    async def test_revoke_and_other_orgs_token_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        mine = (await org.owner.client.post("/api/tokens", json={"name": "mine"})).json()
        theirs = (await other.owner.client.post("/api/tokens", json={"name": "theirs"})).json()
        c = await browser(orgs, org.owner.email)
        assert (await submit(c, f"{BASE}/tokens/{theirs['id']}/revoke")).status_code == 404
        assert (await submit(c, f"{BASE}/tokens/{mine['id']}/revoke")).status_code == 303
        tokens = {t["name"]: t["revoked"] for t in (await org.owner.client.get("/api/tokens")).json()["items"]}
        assert tokens["mine"] is True
        assert (await other.owner.client.get("/api/tokens")).json()["items"][0]["revoked"] is False

    async def test_member_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await browser(orgs, org.member.email)
        assert (await c.get(f"{BASE}/tokens")).status_code == 403
        assert (await submit(c, f"{BASE}/tokens", name="sneaky")).status_code == 403


class TestPlan:
    async def test_shows_usage_against_limits(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "member"))
        await org.owner.client.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        c = await browser(orgs, org.member.email)
        response = await c.get(f"{BASE}/plan")
        assert response.status_code == 200
        assert "2 of 3" in response.text
        assert "1 of 25" in response.text
        assert 'href="/plans#tier-starter"' in response.text


class TestSwitchOrganization:
    async def test_switch_to_another_of_mine(self, orgs: OrgFactory, app: Any) -> None:
        first = await orgs.create(tier="starter", roles=("owner",))
        second = await orgs.create(tier="starter", roles=("owner",))
        link = await invite_link(second.owner.client, first.owner.email)
        c = await browser(orgs, first.owner.email)
        assert (await submit(c, "/invitations/accept", token=link.split("token=")[1])).status_code == 303
        response = await submit(c, "/switch-organization", slug=first.slug)
        assert response.status_code == 303 and response.headers["location"] == "/deals"
        assert (await c.get("/api/me")).json()["organization"]["slug"] == first.slug
        await submit(c, "/switch-organization", slug=second.slug)
        assert (await c.get("/api/me")).json()["organization"]["slug"] == second.slug

    async def test_someone_elses_org_is_404(self, orgs: OrgFactory) -> None:
        mine = await orgs.create(roles=("owner",))
        theirs = await orgs.create(roles=("owner",))
        c = await browser(orgs, mine.owner.email)
        assert (await submit(c, "/switch-organization", slug=theirs.slug)).status_code == 404


class TestAcceptInvitation:
    async def test_new_user_creates_account_and_joins_without_a_new_org(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        link = await invite_link(org.owner.client, "fresh@example.com", "member")
        c = orgs.client()
        page = await c.get(link)
        assert page.status_code == 200
        assert "as a member" in page.text and "Create account and join" in page.text
        assert "/login?next=" in page.text
        token = link.split("token=")[1]
        response = await c.post(
            "/invitations/accept/new-account", data={"token": token, "full_name": "Fresh Face", "password": PASSWORD}
        )
        assert response.status_code == 303 and response.headers["location"] == "/deals"
        me = (await c.get("/api/me")).json()
        assert me["organization"]["slug"] == org.slug and me["role"] == "member"
        assert await memberships(app, "fresh@example.com") == [org.slug]
        assert (await c.get(link)).status_code == 409

    async def test_new_user_weak_password_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        link = await invite_link(org.owner.client, "fresh@example.com")
        c = orgs.client()
        response = await c.post(
            "/invitations/accept/new-account",
            data={"token": link.split("token=")[1], "full_name": "Fresh", "password": "short"},
        )
        assert response.status_code == 422
        assert field_error(response.text, "password")
        assert 'value="Fresh"' in response.text

    async def test_existing_logged_in_user_accepts(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        email = await make_user(app, "existing@example.com", "Existing Person")
        link = await invite_link(org.owner.client, email, "viewer")
        c = await browser(orgs, email)
        page = await c.get(link)
        assert "Accept and join" in page.text
        response = await submit(c, "/invitations/accept", token=link.split("token=")[1])
        assert response.status_code == 303
        assert await memberships(app, email) == [org.slug]
        assert (await c.get("/api/me")).json()["role"] == "viewer"

    async def test_logged_out_existing_user_is_asked_to_log_in(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        email = await make_user(app, "existing@example.com")
        link = await invite_link(org.owner.client, email)
        page = await orgs.client().get(link)
        assert "Log in to accept" in page.text and "new-account" not in page.text

    async def test_logged_in_as_someone_else_is_offered_log_out(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        link = await invite_link(org.owner.client, "someone@example.com")
        other = await orgs.create(roles=("owner",))
        c = await browser(orgs, other.owner.email)
        page = await c.get(link)
        assert page.status_code == 200
        assert "this invitation is for <strong>someone@example.com</strong>" in page.text
        assert "Log out and continue" in page.text
        assert (await submit(c, "/invitations/accept", token=link.split("token=")[1])).status_code == 403

    async def test_invalid_token_explains(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/invitations/accept?token=forged")
        assert response.status_code == 409
        assert "This invitation cannot be used" in response.text


class TestLeaveSection:
    async def test_only_owner_gets_an_explanation_not_a_leave_button(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        page = (await c.get(f"{BASE}/members")).text
        assert "You are the only owner" in page
        assert 'action="/settings/organization/leave"' not in page

    async def test_a_viewer_can_leave(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        c = await browser(orgs, org.viewer.email)
        page = (await c.get(f"{BASE}/members")).text
        assert 'action="/settings/organization/leave"' in page
