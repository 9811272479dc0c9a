"""Notification preferences: `GET|PATCH /api/me/notifications` and the account settings form."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mandate.mail.api import NotificationPreferences
from mandate.mail.categories import CATEGORIES
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser, submit

pytestmark = pytest.mark.anyio
DEFAULTS = {"product_updates": True, "event_reminders": True, "community_digests": True}
PATH = "/api/me/notifications"


class TestNotificationPreferencesApi:
    def test_the_schema_lists_every_category(self) -> None:
        assert list(NotificationPreferences.model_fields) == [c.key for c in CATEGORIES]

    async def test_defaults_then_a_partial_update(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = org.owner.client
        assert (await c.get(PATH)).json() == DEFAULTS
        response = await c.patch(PATH, json={"event_reminders": False})
        assert response.status_code == 200, response.text
        assert response.json() == {**DEFAULTS, "event_reminders": False}
        assert (await c.get(PATH)).json() == {**DEFAULTS, "event_reminders": False}
        back = await c.patch(PATH, json={"event_reminders": True, "product_updates": False})
        assert back.json() == {**DEFAULTS, "product_updates": False}
        assert "account.notifications_updated" in await audit_actions(c)

    @pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
    async def test_every_role_manages_only_their_own(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin", "member", "viewer"))
        other = await orgs.create(roles=("owner",))
        response = await org[role].client.patch(PATH, json={"community_digests": False})
        assert response.status_code == 200, response.text
        assert response.json()["community_digests"] is False
        for bystander in [a for r, a in org.actors.items() if r.value != role] + [other.owner]:
            assert (await bystander.client.get(PATH)).json() == DEFAULTS, bystander.email

    async def test_a_user_without_an_organization_can_manage_theirs(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        c = await orgs.login_cookie_client(org.member.email)
        assert (await c.delete(f"/api/organizations/current/members/{org.member.user_id}")).status_code == 204
        response = await c.patch(PATH, json={"product_updates": False})
        assert response.status_code == 200 and response.json()["product_updates"] is False

    async def test_unknown_category_and_bad_value_are_named(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.patch(PATH, json={"horoscopes": False}), "horoscopes")
        assert_validation(await org.owner.client.patch(PATH, json={"product_updates": "maybe"}), "product_updates")
        assert (await org.owner.client.get(PATH)).json() == DEFAULTS

    async def test_needs_authentication_and_csrf_for_cookies(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get(PATH), 401, "not_authenticated")
        assert_problem(await client.patch(PATH, json={"product_updates": False}), 401, "not_authenticated")
        org = await orgs.create(roles=("owner",))
        c = await orgs.login_cookie_client(org.owner.email)
        del c.headers["X-CSRF-Token"]
        assert_problem(await c.patch(PATH, json={"product_updates": False}), 403, "csrf_failed")


class TestNotificationSettingsPage:
    async def test_checkboxes_reflect_and_save_choices(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        c = await browser(orgs, org.viewer.email)
        page = await c.get("/settings/account")
        assert page.text.count('name="categories"') == 3 and page.text.count("checked") == 3
        response = await submit(c, "/settings/account/notifications", categories="event_reminders")
        assert response.status_code == 303
        assert response.headers["location"] == "/settings/account#notifications"
        saved = await c.get("/settings/account")
        assert "Your email preferences are saved." in saved.text
        assert 'value="event_reminders" aria-describedby="notify-event_reminders-hint" checked' in saved.text
        assert 'value="product_updates" aria-describedby="notify-product_updates-hint" >' in saved.text
        expected = {"product_updates": False, "event_reminders": True, "community_digests": False}
        assert (await org.viewer.client.get(PATH)).json() == expected
        assert (await org.owner.client.get(PATH)).json() == DEFAULTS

    async def test_none_checked_turns_everything_off(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        assert (await submit(c, "/settings/account/notifications")).status_code == 303
        assert set((await org.owner.client.get(PATH)).json().values()) == {False}

    async def test_unknown_category_is_refused(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        assert (await submit(c, "/settings/account/notifications", categories="horoscopes")).status_code == 422
        assert (await org.owner.client.get(PATH)).json() == DEFAULTS

    async def test_needs_login_and_csrf(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        response = await client.post("/settings/account/notifications", data={"categories": "event_reminders"})
        assert response.status_code in (303, 401)
        org = await orgs.create(roles=("owner",))
        c = await browser(orgs, org.owner.email)
        assert (await c.post("/settings/account/notifications", data={})).status_code == 403
        assert (await org.owner.client.get(PATH)).json() == DEFAULTS
