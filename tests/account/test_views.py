"""Account settings pages: profile, password change, other sessions logged out."""

from __future__ import annotations

import pytest

from tests.helpers.fixtures import PASSWORD, OrgFactory
from tests.helpers.pages import browser, field_error, submit

pytestmark = pytest.mark.anyio
NEW_PASSWORD = "a much longer new passphrase"


class TestAccountSettingsPage:
    async def test_shows_profile_and_password_forms(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.get("/settings/account")
        assert response.status_code == 200
        assert org.owner.email in response.text
        assert 'name="full_name"' in response.text
        assert 'name="current_password"' in response.text
        assert 'name="csrf_token"' in response.text

    async def test_logged_out_is_sent_to_login(self, client: object) -> None:
        response = await client.get("/settings/account")  # type: ignore[attr-defined]
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/settings/account")


class TestUpdateProfile:
    async def test_saves_name_and_redirects(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, "/settings/account", full_name="  Ada   Lovelace ")
        assert response.status_code == 303
        assert response.headers["location"] == "/settings/account"
        page = await c.get("/settings/account")
        assert 'value="Ada Lovelace"' in page.text
        assert "Your profile is saved." in page.text

    async def test_empty_name_is_named_on_the_field(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(c, "/settings/account", full_name="   ")
        assert response.status_code == 422
        assert field_error(response.text, "full_name") == "Enter your full name"

    async def test_form_without_csrf_token_is_refused(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.post("/settings/account", data={"full_name": "Mallory"})
        assert response.status_code == 403


class TestChangePassword:
    async def test_wrong_current_password_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(
            c,
            "/settings/account/password",
            current_password="not it at all",
            new_password=NEW_PASSWORD,
            confirm_password=NEW_PASSWORD,
        )
        assert response.status_code == 422
        assert field_error(response.text, "current_password") == "Current password is incorrect"

    async def test_weak_new_password_is_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(
            c, "/settings/account/password", current_password=PASSWORD, new_password="short", confirm_password="short"
        )
        assert response.status_code == 422
        assert field_error(response.text, "new_password")

    async def test_mismatched_confirmation_is_named_and_nothing_changes(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await submit(
            c,
            "/settings/account/password",
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            confirm_password=NEW_PASSWORD + "x",
        )
        assert response.status_code == 422
        assert "do not match" in field_error(response.text, "confirm_password")
        await orgs.login_cookie_client(org.owner.email, PASSWORD)  # old password still works

    async def test_success_logs_out_other_sessions_only(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        other = await orgs.login_cookie_client(org.owner.email)
        assert (await other.get("/api/me")).status_code == 200
        response = await submit(
            c,
            "/settings/account/password",
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            confirm_password=NEW_PASSWORD,
        )
        assert response.status_code == 303
        assert (await other.get("/api/me")).status_code == 401
        page = await c.get("/settings/account")
        assert page.status_code == 200
        assert "1 other session logged out" in page.text
        await orgs.login_cookie_client(org.owner.email, NEW_PASSWORD)


class TestApiPasswordChangeEndsOtherSessions:
    async def test_other_browser_sessions_are_revoked(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        current = await orgs.login_cookie_client(org.owner.email)
        other = await orgs.login_cookie_client(org.owner.email)
        response = await current.post(
            "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 204
        assert (await other.get("/api/me")).status_code == 401
        assert (await current.get("/api/me")).status_code == 200
