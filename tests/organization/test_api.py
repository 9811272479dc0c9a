"""Organizations over the JSON API: settings, members, invitations, API tokens, switching."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import update

from mandate.organization.models import ApiToken, Invitation
from tests.account.test_api import add_membership
from tests.helpers.api import assert_problem, assert_validation, audit_actions, cookie_client_csrf, run_in_org
from tests.helpers.fixtures import PASSWORD, Org, OrgFactory

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "harbour-lantern-ninety-1"


async def member_roles(org: Org) -> dict[str, str]:
    r = await org.owner.client.get("/api/organizations/current/members")
    assert r.status_code == 200, r.text
    return {m["user_id"]: m["role"] for m in r.json()["items"]}


async def sign_up(orgs: OrgFactory, email: str, organization_name: str = "Invitee Co") -> httpx.AsyncClient:
    c = orgs.client()
    r = await c.post(
        "/api/auth/signup",
        json={
            "email": email,
            "password": NEW_PASSWORD,
            "full_name": "Ivy Invitee",
            "organization_name": organization_name,
        },
    )
    assert r.status_code == 201, r.text
    return cookie_client_csrf(c)


async def invite(org: Org, email: str, role: str = "member", by: str = "owner") -> dict[str, Any]:
    r = await org[by].client.post("/api/organizations/current/invitations", json={"email": email, "role": role})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def token_of(accept_url: str) -> str:
    return parse_qs(urlparse(accept_url).query)["token"][0]


class TestCurrentOrganization:
    @pytest.mark.parametrize("role", ["owner", "viewer"])
    async def test_every_role_reads_its_own(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        await orgs.create(roles=("owner",))
        r = await org[role].client.get("/api/organizations/current")
        assert r.status_code == 200, r.text
        assert r.json() == {"id": str(org.id), "slug": org.slug, "name": r.json()["name"], "tier": "free"}

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/organizations/current"), 401, "not_authenticated")


class TestUpdateOrganization:
    @pytest.mark.parametrize("role", ["owner", "admin"])
    async def test_owner_and_admin_rename(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org[role].client.patch(
            "/api/organizations/current", json={"name": "  Renamed   Ltd ", "slug": "renamed"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "Renamed Ltd"
        assert r.json()["slug"] == "renamed"
        assert "organization.updated" in await audit_actions(org.owner.client)

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        r = await org[role].client.patch("/api/organizations/current", json={"name": "Mine now"})
        assert_problem(r, 403, "permission_denied")

    async def test_only_own_org_changes(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        await org.owner.client.patch("/api/organizations/current", json={"name": "Renamed"})
        r = await other.owner.client.get("/api/organizations/current")
        assert r.json()["name"] != "Renamed"
        assert r.json()["slug"] == other.slug

    async def test_blank_name_is_422_naming_name(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.patch("/api/organizations/current", json={"name": "  "}), "name")

    @pytest.mark.parametrize("slug", ["Upper", "-lead", "trail-", "sp ace", "under_score", ""])
    async def test_bad_slug_is_422(self, orgs: OrgFactory, slug: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.patch("/api/organizations/current", json={"slug": slug}), "slug")

    async def test_taken_slug_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        r = await org.owner.client.patch("/api/organizations/current", json={"slug": other.slug})
        assert_problem(r, 409, "slug_taken")

    async def test_rejected_update_changes_nothing(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        before = (await org.owner.client.get("/api/organizations/current")).json()
        r = await org.owner.client.patch("/api/organizations/current", json={"name": "New name", "slug": "Bad Slug"})
        assert r.status_code == 422
        assert (await org.owner.client.get("/api/organizations/current")).json() == before
        assert "organization.updated" not in await audit_actions(org.owner.client)

    async def test_unknown_field_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(
            await org.owner.client.patch("/api/organizations/current", json={"tier": "enterprise"}), "tier"
        )


class TestListMembers:
    async def test_lists_only_this_orgs_members(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        other = await orgs.create(roles=("owner",))
        r = await org.viewer.client.get("/api/organizations/current/members")
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert {m["user_id"]: m["role"] for m in items} == {
            str(org.owner.user_id): "owner",
            str(org.viewer.user_id): "viewer",
        }
        assert set(items[0]) == {"user_id", "email", "full_name", "role", "joined_at"}
        assert str(other.owner.user_id) not in {m["user_id"] for m in items}


class TestUpdateMember:
    async def test_owner_changes_a_role(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        r = await org.owner.client.patch(
            f"/api/organizations/current/members/{org.member.user_id}", json={"role": "admin"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "admin"
        assert r.json()["user_id"] == str(org.member.user_id)
        assert (await org.member.client.get("/api/me")).json()["role"] == "admin"
        assert "organization.member_role_changed" in await audit_actions(org.owner.client)

    async def test_owner_grants_owner(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org.owner.client.patch(
            f"/api/organizations/current/members/{org.admin.user_id}", json={"role": "owner"}
        )
        assert r.status_code == 200, r.text
        # Now there are two owners, so the first may step down.
        r = await org.owner.client.patch(
            f"/api/organizations/current/members/{org.owner.user_id}", json={"role": "admin"}
        )
        assert r.status_code == 200, r.text

    async def test_admin_cannot_grant_owner(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin", "member"))
        r = await org.admin.client.patch(
            f"/api/organizations/current/members/{org.member.user_id}", json={"role": "owner"}
        )
        assert_problem(r, 403, "permission_denied")
        assert (await member_roles(org))[str(org.member.user_id)] == "member"

    async def test_admin_cannot_demote_an_owner(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org.admin.client.patch(
            f"/api/organizations/current/members/{org.owner.user_id}", json={"role": "viewer"}
        )
        assert_problem(r, 403, "permission_denied")

    async def test_admin_changes_member_to_viewer(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin", "member"))
        r = await org.admin.client.patch(
            f"/api/organizations/current/members/{org.member.user_id}", json={"role": "viewer"}
        )
        assert r.status_code == 200, r.text

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        target = org.viewer if role == "member" else org.member
        r = await org[role].client.patch(f"/api/organizations/current/members/{target.user_id}", json={"role": "admin"})
        assert_problem(r, 403, "permission_denied")

    async def test_last_owner_cannot_be_demoted(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org.owner.client.patch(
            f"/api/organizations/current/members/{org.owner.user_id}", json={"role": "admin"}
        )
        assert_problem(r, 409, "last_owner")
        assert (await member_roles(org))[str(org.owner.user_id)] == "owner"

    async def test_other_orgs_member_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        other = await orgs.create(roles=("owner", "member"))
        for actor in (org.owner, org.viewer):
            r = await actor.client.patch(
                f"/api/organizations/current/members/{other.member.user_id}", json={"role": "viewer"}
            )
            assert_problem(r, 404, "not_found")
        assert (await member_roles(other))[str(other.member.user_id)] == "member"

    async def test_unknown_user_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.patch(f"/api/organizations/current/members/{uuid.uuid4()}", json={"role": "viewer"})
        assert_problem(r, 404)

    async def test_bad_role_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        r = await org.owner.client.patch(
            f"/api/organizations/current/members/{org.member.user_id}", json={"role": "god"}
        )
        assert_validation(r, "role")

    async def test_bad_user_id_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.patch("/api/organizations/current/members/not-a-uuid", json={"role": "viewer"})
        assert_validation(r, "user_id")


class TestRemoveMember:
    async def test_owner_removes_a_member_whose_token_stops_working(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        r = await org.owner.client.delete(f"/api/organizations/current/members/{org.member.user_id}")
        assert r.status_code == 204, r.text
        assert str(org.member.user_id) not in await member_roles(org)
        assert_problem(await org.member.client.get("/api/deals"), 401, "not_authenticated")
        assert "organization.member_removed" in await audit_actions(org.owner.client)

    async def test_admin_removes_a_viewer(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin", "viewer"))
        r = await org.admin.client.delete(f"/api/organizations/current/members/{org.viewer.user_id}")
        assert r.status_code == 204, r.text

    async def test_admin_cannot_remove_an_owner(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org.admin.client.delete(f"/api/organizations/current/members/{org.owner.user_id}")
        assert_problem(r, 403, "permission_denied")

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_cannot_remove_others(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        target = org.viewer if role == "member" else org.member
        r = await org[role].client.delete(f"/api/organizations/current/members/{target.user_id}")
        assert_problem(r, 403, "permission_denied")
        assert str(target.user_id) in await member_roles(org)

    async def test_a_viewer_may_leave(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        r = await org.viewer.client.delete(f"/api/organizations/current/members/{org.viewer.user_id}")
        assert r.status_code == 204, r.text
        assert "organization.member_left" in await audit_actions(org.owner.client)

    async def test_last_owner_cannot_be_removed(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.delete(f"/api/organizations/current/members/{org.owner.user_id}")
        assert_problem(r, 409, "last_owner")
        assert str(org.owner.user_id) in await member_roles(org)

    async def test_other_orgs_member_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        other = await orgs.create(roles=("owner", "member"))
        for actor in (org.owner, org.viewer):
            r = await actor.client.delete(f"/api/organizations/current/members/{other.member.user_id}")
            assert_problem(r, 404, "not_found")
        assert str(other.member.user_id) in await member_roles(other)


class TestInvite:
    async def test_owner_invites_and_gets_a_link(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        r = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "New.Person@Example.com", "role": "viewer"}
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert {"id", "accept_url", "expires_at"} <= body.keys()
        assert body["email"] == "new.person@example.com"
        assert body["role"] == "viewer"
        assert body["accept_url"].startswith("http://testserver/invitations/accept?token=")
        expires = datetime.fromisoformat(body["expires_at"])
        assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
        listed = (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"]
        assert [i["id"] for i in listed] == [body["id"]]
        assert "organization.member_invited" in await audit_actions(org.owner.client)

    async def test_admin_invites_admin_but_not_owner(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="professional", roles=("owner", "admin"))
        await invite(org, "second.admin@example.com", "admin", by="admin")
        r = await org.admin.client.post(
            "/api/organizations/current/invitations", json={"email": "boss@example.com", "role": "owner"}
        )
        assert_problem(r, 403, "permission_denied")

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(tier="professional", roles=("owner", role))
        r = await org[role].client.post("/api/organizations/current/invitations", json={"email": "x@example.com"})
        assert_problem(r, 403, "permission_denied")

    async def test_bad_email_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        r = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "nope", "role": "member"}
        )
        assert_validation(r, "email")

    async def test_bad_role_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        r = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "a@example.com", "role": "emperor"}
        )
        assert_validation(r, "role")

    async def test_existing_member_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="professional", roles=("owner", "viewer"))
        r = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": org.viewer.email.upper(), "role": "member"}
        )
        assert_problem(r, 409)

    async def test_free_org_is_at_its_member_limit(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        r = await org.owner.client.post("/api/organizations/current/invitations", json={"email": "a@example.com"})
        body = assert_problem(r, 402, "limit_reached")
        assert body["limit"] == 1
        assert body["current"] == 1
        assert body["required_tier"] == "starter"
        assert body["upgrade_url"].endswith("/plans")
        assert (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"] == []

    async def test_pending_invitations_count_towards_the_limit(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        await invite(org, "one@example.com")
        await invite(org, "two@example.com")
        r = await org.owner.client.post("/api/organizations/current/invitations", json={"email": "three@example.com"})
        body = assert_problem(r, 402, "limit_reached")
        assert (body["limit"], body["current"]) == (3, 3)
        listed = (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"]
        assert len(listed) == 2


class TestListInvitations:
    async def test_only_this_orgs_invitations(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        other = await orgs.create(tier="starter", roles=("owner",))
        mine = await invite(org, "mine@example.com")
        await invite(other, "theirs@example.com")
        items = (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"]
        assert [i["id"] for i in items] == [mine["id"]]

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        assert_problem(await org[role].client.get("/api/organizations/current/invitations"), 403, "permission_denied")


class TestRevokeInvitation:
    async def test_revoked_invitation_cannot_be_accepted(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        r = await org.owner.client.delete(f"/api/organizations/current/invitations/{inv['id']}")
        assert r.status_code == 204, r.text
        invitee = await sign_up(orgs, "ivy@example.com")
        r = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert_problem(r, 409, "invitation_invalid")

    async def test_other_orgs_invitation_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        other = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(other, "ivy@example.com")
        for actor in (org.owner, org.viewer):
            r = await actor.client.delete(f"/api/organizations/current/invitations/{inv['id']}")
            assert_problem(r, 404, "not_found")
        assert len((await other.owner.client.get("/api/organizations/current/invitations")).json()["items"]) == 1

    async def test_viewer_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        inv = await invite(org, "ivy@example.com")
        r = await org.viewer.client.delete(f"/api/organizations/current/invitations/{inv['id']}")
        assert_problem(r, 403, "permission_denied")


class TestAcceptInvitation:
    async def test_accept_once_joins_with_the_role(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "Ivy@Example.com", "viewer")
        invitee = await sign_up(orgs, "ivy@example.com")
        r = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == str(org.id)
        me = (await invitee.get("/api/me")).json()
        assert me["organization"]["id"] == str(org.id)
        assert me["role"] == "viewer"
        roles = await member_roles(org)
        assert roles[me["user"]["id"]] == "viewer"
        assert "organization.member_joined" in await audit_actions(org.owner.client)
        assert (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"] == []
        again = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert_problem(again, 409, "invitation_invalid")

    async def test_forged_token_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        invitee = await sign_up(orgs, "ivy@example.com")
        token = token_of(inv["accept_url"])
        for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", ""):
            r = await invitee.post("/api/invitations/accept", json={"token": forged})
            assert_problem(r, 409, "invitation_invalid")
        assert str(org.id) not in {m for m in [(await invitee.get("/api/me")).json()["organization"]["id"]]}

    async def test_token_signed_with_another_key_is_409(self, orgs: OrgFactory) -> None:
        from mandate.organization.service import invitation_signer

        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        invitee = await sign_up(orgs, "ivy@example.com")
        forged = invitation_signer("another-secret-key-entirely").sign({"i": inv["id"]})
        assert_problem(await invitee.post("/api/invitations/accept", json={"token": forged}), 409, "invitation_invalid")

    async def test_expired_invitation_is_409(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        await run_in_org(
            app,
            org.id,
            update(Invitation)
            .where(Invitation.id == uuid.UUID(inv["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)),
        )
        invitee = await sign_up(orgs, "ivy@example.com")
        r = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert_problem(r, 409, "invitation_invalid")
        assert str(org.id) != (await invitee.get("/api/me")).json()["organization"]["id"]

    async def test_wrong_email_is_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        stranger = await sign_up(orgs, "mallory@example.com")
        r = await stranger.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert_problem(r, 403, "permission_denied")
        # The rightful invitee can still use it.
        invitee = await sign_up(orgs, "ivy@example.com")
        r = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert r.status_code == 200, r.text

    async def test_anonymous_is_401(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        r = await client.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        assert_problem(r, 401, "not_authenticated")

    async def test_missing_token_is_422(self, orgs: OrgFactory) -> None:
        invitee = await sign_up(orgs, "ivy@example.com")
        assert_validation(await invitee.post("/api/invitations/accept", json={}), "token")

    async def test_accepting_past_the_member_limit_is_402(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        inv = await invite(org, "ivy@example.com")
        # The org filled up after the invitation went out (e.g. a downgrade or direct adds).
        filler_one = await orgs.create(roles=("owner",))
        filler_two = await orgs.create(roles=("owner",))
        await add_membership(app, org.id, filler_one.owner.user_id, "viewer")
        await add_membership(app, org.id, filler_two.owner.user_id, "viewer")
        invitee = await sign_up(orgs, "ivy@example.com")
        r = await invitee.post("/api/invitations/accept", json={"token": token_of(inv["accept_url"])})
        body = assert_problem(r, 402, "limit_reached")
        assert (body["limit"], body["current"]) == (3, 3)
        assert len(await member_roles(org)) == 3


class TestCreateToken:
    @pytest.mark.parametrize("role", ["owner", "admin"])
    async def test_secret_is_shown_once(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        r = await org[role].client.post("/api/tokens", json={"name": "  CI   robot "})
        assert r.status_code == 201, r.text
        body = r.json()
        assert {"id", "name", "token"} <= body.keys()
        assert body["name"] == "CI robot"
        assert body["token"].startswith("mdt_")
        assert body["expires_at"] is None
        listing = await org.owner.client.get("/api/tokens")
        assert body["token"] not in listing.text
        listed = {t["id"]: t for t in listing.json()["items"]}[body["id"]]
        assert "token" not in listed
        assert listed["prefix"] == body["token"][:10]
        assert listed["revoked"] is False
        me = await orgs.client(body["token"]).get("/api/me")
        assert me.status_code == 200
        assert me.json()["organization"]["id"] == str(org.id)
        assert "api_token.created" in await audit_actions(org.owner.client)

    async def test_with_expiry(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        when = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
        r = await org.owner.client.post("/api/tokens", json={"name": "short", "expires_at": when.isoformat()})
        assert r.status_code == 201, r.text
        assert datetime.fromisoformat(r.json()["expires_at"]) == when

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        assert_problem(await org[role].client.post("/api/tokens", json={"name": "mine"}), 403, "permission_denied")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "   "}, "name"),
            ({}, "name"),
            ({"name": "x" * 81}, "name"),
            ({"name": "ok", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
            ({"name": "ok", "expires_at": "2999-01-01T00:00:00"}, "expires_at"),
            ({"name": "ok", "expires_at": "tomorrow"}, "expires_at"),
        ],
    )
    async def test_validation(self, orgs: OrgFactory, payload: dict[str, str], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        before = (await org.owner.client.get("/api/tokens")).json()["items"]
        assert_validation(await org.owner.client.post("/api/tokens", json=payload), field)
        assert (await org.owner.client.get("/api/tokens")).json()["items"] == before


class TestListTokens:
    async def test_only_this_orgs_tokens(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        mine = (await org.owner.client.post("/api/tokens", json={"name": "mine"})).json()
        theirs = (await other.owner.client.post("/api/tokens", json={"name": "theirs"})).json()
        ids = {t["id"] for t in (await org.owner.client.get("/api/tokens")).json()["items"]}
        assert mine["id"] in ids
        assert theirs["id"] not in ids

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        assert_problem(await org[role].client.get("/api/tokens"), 403, "permission_denied")


class TestRevokeToken:
    async def test_revoked_token_gets_401(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        created = (await org.owner.client.post("/api/tokens", json={"name": "robot"})).json()
        robot = orgs.client(created["token"])
        assert (await robot.get("/api/deals")).status_code == 200
        r = await org.owner.client.delete(f"/api/tokens/{created['id']}")
        assert r.status_code == 204, r.text
        assert_problem(await robot.get("/api/deals"), 401, "not_authenticated")
        listed = {t["id"]: t for t in (await org.owner.client.get("/api/tokens")).json()["items"]}
        assert listed[created["id"]]["revoked"] is True
        assert "api_token.revoked" in await audit_actions(org.owner.client)

    async def test_expired_token_gets_401(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(roles=("owner",))
        created = (await org.owner.client.post("/api/tokens", json={"name": "robot"})).json()
        await run_in_org(
            app,
            org.id,
            update(ApiToken)
            .where(ApiToken.id == uuid.UUID(created["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)),
        )
        assert_problem(await orgs.client(created["token"]).get("/api/me"), 401, "not_authenticated")

    async def test_other_orgs_token_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        other = await orgs.create(roles=("owner",))
        created = (await other.owner.client.post("/api/tokens", json={"name": "theirs"})).json()
        for actor in (org.owner, org.viewer):
            assert_problem(await actor.client.delete(f"/api/tokens/{created['id']}"), 404, "not_found")
        assert (await orgs.client(created["token"]).get("/api/me")).status_code == 200

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        created = (await org.owner.client.post("/api/tokens", json={"name": "robot"})).json()
        assert_problem(await org[role].client.delete(f"/api/tokens/{created['id']}"), 403, "permission_denied")
        assert (await orgs.client(created["token"]).get("/api/me")).status_code == 200

    async def test_unknown_token_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_problem(await org.owner.client.delete(f"/api/tokens/{uuid.uuid4()}"), 404)


class TestSwitchOrganization:
    async def test_browser_session_switches(self, orgs: OrgFactory, app: Any) -> None:
        first = await orgs.create(roles=("owner",))
        second = await orgs.create(roles=("owner",))
        await add_membership(app, second.id, first.owner.user_id, "viewer")
        browser = await orgs.login_cookie_client(first.owner.email)
        start = (await browser.get("/api/me")).json()["organization"]["id"]
        target = second if start == str(first.id) else first
        r = await browser.post("/api/organizations/switch", json={"slug": target.slug})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == str(target.id)
        me = (await browser.get("/api/me")).json()
        assert me["organization"]["id"] == str(target.id)
        assert me["role"] == ("viewer" if target is second else "owner")

    async def test_org_not_joined_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        assert_problem(await browser.post("/api/organizations/switch", json={"slug": other.slug}), 404, "not_found")
        assert (await browser.get("/api/me")).json()["organization"]["id"] == str(org.id)

    async def test_switch_needs_csrf(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        del browser.headers["X-CSRF-Token"]
        assert_problem(await browser.post("/api/organizations/switch", json={"slug": org.slug}), 403, "csrf_failed")

    async def test_api_token_cannot_switch(self, orgs: OrgFactory, app: Any) -> None:
        first = await orgs.create(roles=("owner",))
        second = await orgs.create(roles=("owner",))
        await add_membership(app, second.id, first.owner.user_id, "viewer")
        r = await first.owner.client.post("/api/organizations/switch", json={"slug": second.slug})
        assert_problem(r, 404)
        assert (await first.owner.client.get("/api/me")).json()["organization"]["id"] == str(first.id)


class TestSessionAfterRemoval:
    async def test_removed_member_session_has_no_organization(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        browser = await orgs.login_cookie_client(org.member.email)
        await org.owner.client.delete(f"/api/organizations/current/members/{org.member.user_id}")
        assert_problem(await browser.get("/api/deals"), 403, "no_organization")
        assert PASSWORD


class TestMalformedIds:
    @pytest.mark.parametrize(
        ("method", "path", "body", "field"),
        [
            ("PATCH", "/api/organizations/current/members/x", {"role": "viewer"}, "user_id"),
            ("DELETE", "/api/organizations/current/members/x", None, "user_id"),
            ("DELETE", "/api/organizations/current/invitations/x", None, "invitation_id"),
            ("DELETE", "/api/tokens/x", None, "token_id"),
        ],
    )
    async def test_malformed_id_is_422_naming_it(
        self, orgs: OrgFactory, method: str, path: str, body: dict[str, str] | None, field: str
    ) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.request(method, path, json=body), field)
