"""Accounts over the JSON API: sign-up, tokens, login/logout, sessions, CSRF, /api/me."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.api import assert_problem, assert_validation, cookie_client_csrf
from tests.helpers.fixtures import PASSWORD, OrgFactory

pytestmark = pytest.mark.anyio

GOOD_PASSWORD = "plum-orchard-ledger-42"


def signup_payload(**overrides: str) -> dict[str, str]:
    return {
        "email": "ada@lovelace.example",
        "password": GOOD_PASSWORD,
        "full_name": "Ada Lovelace",
        "organization_name": "Analytical Engines",
        **overrides,
    }


def session_cookie_header(response: httpx.Response) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith("mandate_session="))


class TestSignup:
    async def test_creates_user_org_and_owner_session(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/auth/signup", json=signup_payload(email="  Ada@Lovelace.Example "))
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"user", "organization"}
        assert set(body["user"]) == {"id", "email", "full_name"}
        assert body["user"]["email"] == "ada@lovelace.example"
        assert body["user"]["full_name"] == "Ada Lovelace"
        assert set(body["organization"]) == {"id", "slug", "name", "tier"}
        assert body["organization"] == {
            "id": body["organization"]["id"],
            "slug": "analytical-engines",
            "name": "Analytical Engines",
            "tier": "free",
        }
        me = await client.get("/api/me")
        assert me.status_code == 200, me.text
        assert me.json()["role"] == "owner"
        assert me.json()["organization"]["id"] == body["organization"]["id"]

    async def test_session_cookie_is_httponly_and_samesite_lax(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/auth/signup", json=signup_payload())
        cookie = session_cookie_header(r).lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "path=/" in cookie
        assert "secure" not in cookie  # plain http base URL in tests

    async def test_taken_email_is_409_case_insensitive(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/api/auth/signup", json=signup_payload())).status_code == 201
        r = await client.post(
            "/api/auth/signup", json=signup_payload(email="ADA@Lovelace.EXAMPLE", organization_name="Other")
        )
        assert_problem(r, 409, "email_taken")

    @pytest.mark.parametrize(
        "password", ["short1!", "password123", "Password123", "qwertyuiop", "aaaaaaaaaaaa", "ada@lovelace.example"]
    )
    async def test_weak_or_common_password_is_422(self, client: httpx.AsyncClient, password: str) -> None:
        r = await client.post("/api/auth/signup", json=signup_payload(password=password))
        assert_validation(r, "password")

    @pytest.mark.parametrize("email", ["not-an-email", "a@", "@b.example", "a b@c.example"])
    async def test_bad_email_is_422(self, client: httpx.AsyncClient, email: str) -> None:
        assert_validation(await client.post("/api/auth/signup", json=signup_payload(email=email)), "email")

    @pytest.mark.parametrize("field", ["email", "password", "full_name", "organization_name"])
    async def test_missing_field_is_named(self, client: httpx.AsyncClient, field: str) -> None:
        payload = signup_payload()
        del payload[field]
        assert_validation(await client.post("/api/auth/signup", json=payload), field)

    @pytest.mark.parametrize("field", ["full_name", "organization_name"])
    async def test_blank_name_is_named(self, client: httpx.AsyncClient, field: str) -> None:
        assert_validation(await client.post("/api/auth/signup", json=signup_payload(**{field: "   "})), field)

    async def test_unknown_field_is_refused(self, client: httpx.AsyncClient) -> None:
        assert_validation(await client.post("/api/auth/signup", json=signup_payload(tier="enterprise")), "tier")

    async def test_rejected_signup_leaves_nothing_behind(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/auth/signup", json=signup_payload(organization_name=" "))
        assert r.status_code == 422
        assert "mandate_session" not in client.cookies
        # Neither the user nor the organization (nor its slug) was kept.
        r = await client.post("/api/auth/signup", json=signup_payload())
        assert r.status_code == 201, r.text
        assert r.json()["organization"]["slug"] == "analytical-engines"

    async def test_second_org_with_same_name_gets_suffixed_slug(self, client: httpx.AsyncClient) -> None:
        first = await client.post("/api/auth/signup", json=signup_payload())
        second = await client.post("/api/auth/signup", json=signup_payload(email="bob@example.com"))
        assert first.json()["organization"]["slug"] == "analytical-engines"
        assert second.json()["organization"]["slug"] == "analytical-engines-2"


class TestIssueToken:
    async def test_returns_org_scoped_bearer_token(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        r = await client.post("/api/auth/token", json={"email": org.owner.email.upper(), "password": PASSWORD})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"access_token", "token_type", "expires_at", "organization"}
        assert body["token_type"] == "bearer"
        assert body["organization"]["id"] == str(org.id)
        assert body["organization"]["slug"] == org.slug
        me = await orgs.client(body["access_token"]).get("/api/me")
        assert me.status_code == 200
        assert me.json()["organization"]["id"] == str(org.id)

    async def test_expires_in_thirty_days(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        from datetime import UTC, datetime, timedelta

        org = await orgs.create(roles=("owner",))
        r = await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        expires = datetime.fromisoformat(r.json()["expires_at"])
        assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    async def test_chooses_organization_by_slug(self, orgs: OrgFactory, client: httpx.AsyncClient, app: Any) -> None:
        first = await orgs.create(roles=("owner",))
        second = await orgs.create(roles=("owner",))
        await add_membership(app, second.id, first.owner.user_id, "viewer")
        r = await client.post(
            "/api/auth/token", json={"email": first.owner.email, "password": PASSWORD, "organization": second.slug}
        )
        assert r.status_code == 200, r.text
        assert r.json()["organization"]["id"] == str(second.id)
        me = await orgs.client(r.json()["access_token"]).get("/api/me")
        assert me.json()["role"] == "viewer"

    async def test_organization_not_joined_is_422_naming_it(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        r = await client.post(
            "/api/auth/token", json={"email": org.owner.email, "password": PASSWORD, "organization": other.slug}
        )
        assert_problem(r, 422, "validation_error", field="organization")

    async def test_several_organizations_need_one_named(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(tier="starter", roles=("owner",))
        invite = await other.owner.client.post(
            "/api/organizations/current/invitations", json={"email": org.owner.email, "role": "member"}
        )
        token = invite.json()["accept_url"].split("token=")[1]
        joined = await org.owner.client.post("/api/invitations/accept", json={"token": token})
        assert joined.status_code == 200, joined.text
        r = await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        problem = assert_problem(r, 422, "validation_error", field="organization")
        assert org.slug in problem["detail"] and other.slug in problem["detail"]
        named = await client.post(
            "/api/auth/token", json={"email": org.owner.email, "password": PASSWORD, "organization": other.slug}
        )
        assert named.status_code == 200 and named.json()["organization"]["slug"] == other.slug

    async def test_unknown_email_and_wrong_password_look_identical(
        self, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create(roles=("owner",))
        wrong = await client.post("/api/auth/token", json={"email": org.owner.email, "password": "wrong password!"})
        unknown = await client.post(
            "/api/auth/token", json={"email": "nobody@nowhere.example", "password": "wrong password!"}
        )
        assert_problem(wrong, 401, "invalid_credentials")
        assert_problem(unknown, 401, "invalid_credentials")
        assert wrong.json() == unknown.json()
        assert wrong.headers.get("www-authenticate") == unknown.headers.get("www-authenticate")

    async def test_ten_failures_lock_the_account(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        for _ in range(10):
            r = await client.post("/api/auth/token", json={"email": org.owner.email, "password": "wrong password!"})
            assert_problem(r, 401, "invalid_credentials")
        r = await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        body = assert_problem(r, 429, "too_many_requests")
        assert int(r.headers["retry-after"]) > 0
        assert body["detail"]
        # Per account: another user of the same address is not locked.
        ok = await client.post("/api/auth/token", json={"email": org.viewer.email, "password": PASSWORD})
        assert ok.status_code == 200, ok.text

    async def test_success_resets_the_failure_count(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        for _ in range(9):
            await client.post("/api/auth/token", json={"email": org.owner.email, "password": "wrong password!"})
        assert (
            await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        ).status_code == 200
        for _ in range(9):
            await client.post("/api/auth/token", json={"email": org.owner.email, "password": "wrong password!"})
        assert (
            await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        ).status_code == 200

    async def test_missing_password_is_422(self, client: httpx.AsyncClient) -> None:
        assert_validation(await client.post("/api/auth/token", json={"email": "a@b.example"}), "password")


async def add_membership(app: Any, org_id: Any, user_id: Any, role: str) -> None:
    from mandate.kit.tenancy import set_organization
    from mandate.organization.models import Membership

    async with app.state.session_factory() as session:
        set_organization(session, org_id)
        session.add(Membership(organization_id=org_id, user_id=user_id, role=role))
        await session.commit()


class TestLoginLogout:
    async def test_login_sets_session_and_csrf_cookies(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        r = await client.post("/api/auth/login", json={"email": org.owner.email, "password": PASSWORD})
        assert r.status_code == 204, r.text
        cookie = session_cookie_header(r).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        csrf = next(h for h in r.headers.get_list("set-cookie") if h.startswith("mandate_csrf="))
        assert "httponly" not in csrf.lower()
        me = await client.get("/api/me")
        assert me.status_code == 200
        assert me.json()["csrf_token"] == client.cookies["mandate_csrf"]

    async def test_wrong_password_is_401(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        r = await client.post("/api/auth/login", json={"email": org.owner.email, "password": "not the password"})
        assert_problem(r, 401, "invalid_credentials")
        assert "mandate_session" not in client.cookies

    async def test_logout_revokes_the_session(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        old_cookie = browser.cookies["mandate_session"]
        r = await browser.post("/api/auth/logout")
        assert r.status_code == 204, r.text
        replay = orgs.client()
        replay.cookies.set("mandate_session", old_cookie)
        assert_problem(await replay.get("/api/me"), 401, "not_authenticated")
        assert_problem(await browser.get("/api/me"), 401, "not_authenticated")

    async def test_expired_session_is_401(self, orgs: OrgFactory, app: Any) -> None:
        from datetime import UTC, datetime, timedelta

        from sqlalchemy import update

        from mandate.account.models import UserSession
        from tests.helpers.api import run_in_org

        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        assert (await browser.get("/api/me")).status_code == 200
        past = datetime.now(UTC) - timedelta(seconds=1)
        await run_in_org(
            app, None, update(UserSession).where(UserSession.user_id == org.owner.user_id).values(expires_at=past)
        )
        assert_problem(await browser.get("/api/me"), 401, "not_authenticated")

    async def test_logout_needs_csrf_with_a_cookie(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        del browser.headers["X-CSRF-Token"]
        assert_problem(await browser.post("/api/auth/logout"), 403, "csrf_failed")
        assert (await browser.get("/api/me")).status_code == 200

    async def test_anonymous_me_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/me"), 401, "not_authenticated")

    async def test_garbage_bearer_is_401(self, orgs: OrgFactory) -> None:
        assert_problem(await orgs.client("mdt_not-a-token").get("/api/me"), 401, "not_authenticated")


class TestCsrf:
    async def test_cookie_post_without_header_is_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        del browser.headers["X-CSRF-Token"]
        r = await browser.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert_problem(r, 403, "csrf_failed")
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []

    async def test_cookie_post_with_wrong_header_is_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        browser.headers["X-CSRF-Token"] = "0" * 64
        r = await browser.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert_problem(r, 403, "csrf_failed")

    async def test_cookie_post_with_header_succeeds(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        r = await browser.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert r.status_code == 201, r.text

    async def test_csrf_token_of_another_session_is_refused(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        first = await orgs.login_cookie_client(org.owner.email)
        second = await orgs.login_cookie_client(org.owner.email)
        first.headers["X-CSRF-Token"] = second.headers["X-CSRF-Token"]
        r = await first.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert_problem(r, 403, "csrf_failed")

    async def test_cookie_get_needs_no_header(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        del browser.headers["X-CSRF-Token"]
        assert (await browser.get("/api/deals")).status_code == 200

    async def test_bearer_post_needs_no_header(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert "X-CSRF-Token" not in org.owner.client.headers
        r = await org.owner.client.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert r.status_code == 201, r.text


class TestMe:
    async def test_shape_for_a_bearer_token(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "member"))
        r = await org.member.client.get("/api/me")
        assert r.status_code == 200, r.text
        body = r.json()
        assert {"user", "organization", "role", "tier", "entitlements"} <= body.keys()
        assert body["user"] == {
            "id": str(org.member.user_id),
            "email": org.member.email,
            "full_name": body["user"]["full_name"],
        }
        assert body["organization"]["id"] == str(org.id)
        assert body["organization"]["tier"] == "starter"
        assert body["role"] == "member"
        assert body["tier"] == "starter"
        assert body["entitlements"] == {
            "features": {
                "document_export": True,
                "valuation_bulk_export": False,
                "paid_events": False,
                "community_post": True,
            },
            "limits": {"members": 3, "active_deals": 25, "document_exports_per_month": 200},
        }
        assert body["csrf_token"] is None
        assert body["is_staff"] is False


class TestChangePassword:
    async def test_changes_password(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.post(
            "/api/auth/password", json={"current_password": PASSWORD, "new_password": GOOD_PASSWORD}
        )
        assert r.status_code == 204, r.text
        old = await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        assert_problem(old, 401, "invalid_credentials")
        new = await client.post("/api/auth/token", json={"email": org.owner.email, "password": GOOD_PASSWORD})
        assert new.status_code == 200

    async def test_wrong_current_password_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.post(
            "/api/auth/password", json={"current_password": "not it at all", "new_password": GOOD_PASSWORD}
        )
        assert_validation(r, "current_password")

    async def test_weak_new_password_is_422(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.post(
            "/api/auth/password", json={"current_password": PASSWORD, "new_password": "password1"}
        )
        assert_validation(r, "new_password")
        still = await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD})
        assert still.status_code == 200

    async def test_cookie_change_needs_csrf(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        browser = await orgs.login_cookie_client(org.owner.email)
        del browser.headers["X-CSRF-Token"]
        r = await browser.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": GOOD_PASSWORD})
        assert_problem(r, 403, "csrf_failed")


class TestSignupSession:
    async def test_signup_cookie_acts_with_csrf(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/auth/signup", json=signup_payload())
        assert r.status_code == 201
        cookie_client_csrf(client)
        deal = await client.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
        assert deal.status_code == 201, deal.text


class TestLoginRateLimits:
    async def test_login_endpoint_shares_the_account_lock(self, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        for _ in range(10):
            r = await client.post("/api/auth/login", json={"email": org.owner.email, "password": "wrong password!"})
            assert_problem(r, 401, "invalid_credentials")
        assert_problem(
            await client.post("/api/auth/login", json={"email": org.owner.email, "password": PASSWORD}),
            429,
            "too_many_requests",
        )
        assert_problem(
            await client.post("/api/auth/token", json={"email": org.owner.email, "password": PASSWORD}),
            429,
            "too_many_requests",
        )
        assert "mandate_session" not in client.cookies

    async def test_per_ip_limit_across_accounts(self, settings: Any) -> None:
        from mandate.app import create_app

        strict = create_app(settings.model_copy(update={"login_attempts_per_ip": "3 per minute"}))
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=strict, client=("203.0.113.9", 4000)), base_url="http://testserver"
            ) as c:
                for i in range(3):
                    r = await c.post("/api/auth/token", json={"email": f"u{i}@example.com", "password": "whatever-123"})
                    assert_problem(r, 401, "invalid_credentials")
                r = await c.post("/api/auth/token", json={"email": "u9@example.com", "password": "whatever-123"})
                assert_problem(r, 429, "too_many_requests")
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=strict, client=("203.0.113.10", 4000)), base_url="http://testserver"
            ) as other_ip:
                r = await other_ip.post("/api/auth/token", json={"email": "u9@example.com", "password": "whatever-123"})
                assert_problem(r, 401, "invalid_credentials")
        finally:
            await strict.state.engine.dispose()


class TestChangePasswordSessions:
    async def test_other_sessions_end_and_this_one_stays(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        here = await orgs.login_cookie_client(org.owner.email)
        elsewhere = await orgs.login_cookie_client(org.owner.email)
        r = await here.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": GOOD_PASSWORD})
        assert r.status_code == 204, r.text
        assert (await here.get("/api/me")).status_code == 200
        assert_problem(await elsewhere.get("/api/me"), 401, "not_authenticated")
        assert "account.password_changed" in [
            e["action"] for e in (await org.owner.client.get("/api/audit")).json()["items"]
        ]

    async def test_user_without_organization_can_change_password(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        browser = await orgs.login_cookie_client(org.viewer.email)
        await org.owner.client.delete(f"/api/organizations/current/members/{org.viewer.user_id}")
        me = await browser.get("/api/me")
        assert me.status_code == 200 and me.json()["organization"] is None and me.json()["role"] is None
        r = await browser.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": GOOD_PASSWORD})
        assert r.status_code == 204, r.text
        fresh = orgs.client()
        ok = await fresh.post("/api/auth/login", json={"email": org.viewer.email, "password": GOOD_PASSWORD})
        assert ok.status_code == 204
