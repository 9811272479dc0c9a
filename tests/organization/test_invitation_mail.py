"""Invitations are emailed with a working accept link; resending emails a fresh link and renews it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from mandate.kit.db import utcnow
from mandate.organization.models import Invitation
from tests.helpers.api import assert_problem, audit_actions, run_in_org
from tests.helpers.fixtures import Actor, OrgFactory
from tests.helpers.mail import link_in, only_message, outbox
from tests.helpers.pages import browser, path_of, submit
from tests.organization.test_api import invite, sign_up

pytestmark = pytest.mark.anyio
BASE = "/settings/organization/invitations"


async def name_of(actor: Actor) -> str:
    name: str = (await actor.client.get("/api/me")).json()["user"]["full_name"]
    return name


async def expire(app: Any, org_id: uuid.UUID, invitation_id: str) -> None:
    past = utcnow() - timedelta(days=1)
    statement = update(Invitation).where(Invitation.id == uuid.UUID(invitation_id)).values(expires_at=past)
    await run_in_org(app, org_id, statement)


class TestInvitationEmail:
    async def test_creating_an_invitation_emails_the_accept_link(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",), name="Harbour Partners")
        body = await invite(org, "Ivy@Example.com", "viewer")
        message = await only_message(app, "ivy@example.com")
        assert message.subject == f"{await name_of(org.owner)} invited you to join Harbour Partners on Mandate"
        assert "invited you to join Harbour Partners on Mandate as a viewer." in message.text_body
        assert (message.kind, message.status, message.organization_id) == ("transactional", "sent", org.id)
        link = link_in(message, "/invitations/accept?token=")
        assert link.startswith("http://testserver/invitations/accept?token=")
        assert body["accept_url"].startswith("http://testserver/invitations/accept?token=")  # the inviter's copy

        invitee = await sign_up(orgs, "ivy@example.com")
        page = await invitee.get(path_of(link))
        assert page.status_code == 200 and "Harbour Partners" in page.text
        token = link.split("token=", 1)[1]
        joined = await invitee.post("/api/invitations/accept", json={"token": token})
        assert joined.status_code == 200, joined.text
        assert joined.json()["id"] == str(org.id)

    async def test_the_inviter_is_named_and_the_role_has_its_article(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="professional", roles=("owner", "admin"))
        await invite(org, "ana@example.com", "admin", by="admin")
        message = await only_message(app, "ana@example.com")
        assert message.subject.startswith(f"{await name_of(org.admin)} invited you")
        assert "as an admin." in message.text_body

    async def test_a_refused_invitation_sends_nothing(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        response = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "a@example.com"}
        )
        assert_problem(response, 402, "limit_reached")
        assert await outbox(app) == []

    async def test_the_page_says_it_was_emailed_and_keeps_the_link(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, BASE, email="ben@example.com", role="member")
        page = await c.get(response.headers["location"])
        assert "Invitation emailed to ben@example.com. The link is below too" in page.text
        message = await only_message(app, "ben@example.com")
        assert 'value="http://testserver/invitations/accept?token=' in page.text
        assert link_in(message, "/invitations/accept?token=")


class TestResendApi:
    async def test_resend_emails_again_with_a_fresh_link(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "admin"))
        created = await invite(org, "ivy@example.com")
        response = await org.admin.client.post(f"/api/organizations/current/invitations/{created['id']}/resend")
        assert response.status_code == 200, response.text
        resent = response.json()
        assert resent["id"] == created["id"] and resent["accept_url"].startswith("http://testserver/invitations/")
        first, second = await outbox(app, "ivy@example.com")
        assert link_in(second, "/invitations/accept?token=") == resent["accept_url"]
        assert first.message_id != second.message_id
        assert "organization.invitation_resent" in await audit_actions(org.owner.client)
        invitee = await sign_up(orgs, "ivy@example.com")
        token = resent["accept_url"].split("token=", 1)[1]
        assert (await invitee.post("/api/invitations/accept", json={"token": token})).status_code == 200

    async def test_resending_renews_an_expired_invitation(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        created = await invite(org, "ivy@example.com")
        await expire(app, org.id, created["id"])
        response = await org.owner.client.post(f"/api/organizations/current/invitations/{created['id']}/resend")
        assert response.status_code == 200
        expires = datetime.fromisoformat(response.json()["expires_at"])
        assert expires - utcnow() > timedelta(days=6)
        assert len(await outbox(app, "ivy@example.com")) == 2

    async def test_renewing_an_expired_invitation_needs_a_free_seat(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))  # three seats
        old = await invite(org, "old@example.com")
        await expire(app, org.id, old["id"])
        await invite(org, "one@example.com")
        await invite(org, "two@example.com")
        response = await org.owner.client.post(f"/api/organizations/current/invitations/{old['id']}/resend")
        assert_problem(response, 402, "limit_reached")
        assert len(await outbox(app, "old@example.com")) == 1

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_members_and_viewers_get_403(self, app: Any, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(tier="professional", roles=("owner", role))
        created = await invite(org, "ivy@example.com")
        response = await org[role].client.post(f"/api/organizations/current/invitations/{created['id']}/resend")
        assert_problem(response, 403, "permission_denied")
        assert len(await outbox(app, "ivy@example.com")) == 1

    async def test_other_organizations_invitation_is_404(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        other = await orgs.create(tier="starter", roles=("owner",))
        theirs = await invite(other, "ivy@example.com")
        for actor in (org.owner, org.viewer):
            response = await actor.client.post(f"/api/organizations/current/invitations/{theirs['id']}/resend")
            assert_problem(response, 404, "not_found")
        assert len(await outbox(app, "ivy@example.com")) == 1

    async def test_revoked_or_accepted_invitations_are_404(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        revoked = await invite(org, "rev@example.com")
        await org.owner.client.delete(f"/api/organizations/current/invitations/{revoked['id']}")
        response = await org.owner.client.post(f"/api/organizations/current/invitations/{revoked['id']}/resend")
        assert_problem(response, 404, "not_found")
        assert len(await outbox(app, "rev@example.com")) == 1


class TestResendPage:
    async def test_resend_button_emails_again_and_shows_the_link(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        created = await invite(org, "ivy@example.com")
        c = await browser(orgs, org.owner.email)
        listing = await c.get(BASE)
        assert f'action="{BASE}/{created["id"]}/resend"' in listing.text
        response = await submit(c, f"{BASE}/{created['id']}/resend")
        assert response.status_code == 303
        page = await c.get(response.headers["location"])
        assert "Invitation emailed again to ivy@example.com" in page.text
        assert len(await outbox(app, "ivy@example.com")) == 2

    async def test_expired_invitations_offer_renew_and_resend(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        created = await invite(org, "ivy@example.com")
        await expire(app, org.id, created["id"])
        c = await browser(orgs, org.owner.email)
        assert "Renew and resend" in (await c.get(BASE)).text
        assert (await submit(c, f"{BASE}/{created['id']}/resend")).status_code == 303
        assert "Renew and resend" not in (await c.get(BASE)).text

    async def test_roles_and_other_organizations(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "viewer"))
        other = await orgs.create(tier="starter", roles=("owner",))
        mine = await invite(org, "mine@example.com")
        theirs = await invite(other, "theirs@example.com")
        owner = await browser(orgs, org.owner.email)
        assert (await submit(owner, f"{BASE}/{theirs['id']}/resend")).status_code == 404
        viewer = await browser(orgs, org.viewer.email)
        assert (await submit(viewer, f"{BASE}/{mine['id']}/resend")).status_code == 403
        assert (await owner.post(f"{BASE}/{mine['id']}/resend")).status_code == 403  # no CSRF token
        assert len(await outbox(app)) == 2
