"""Forgot password: request a link by email, follow it once to set a new password (API and pages)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from mandate.config import Settings
from mandate.jobs.models import Job
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import PASSWORD, OrgFactory
from tests.helpers.mail import link_in, only_message, outbox
from tests.helpers.pages import field_error, path_of

pytestmark = pytest.mark.anyio
NEW_PASSWORD = "a fresh and longer passphrase"
SAME_ANSWER = "If an account uses this email, a link to reset its password is on its way."


async def request_link(client: httpx.AsyncClient, app: Any, email: str) -> str:
    response = await client.post("/api/auth/password-reset", json={"email": email})
    assert response.status_code == 202, response.text
    return link_in(await only_message(app, email), "/password-reset/confirm?token=")


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def can_log_in(orgs: OrgFactory, email: str, password: str) -> bool:
    c = orgs.client()
    return (await c.post("/api/auth/login", json={"email": email, "password": password})).status_code == 204


def issued_minutes_ago(secret: str, token: str, minutes: int) -> str:
    """The same link as if it had been issued `minutes` ago (the signer is told the time, nothing else)."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - minutes * 60

    serializer = URLSafeTimedSerializer(secret, salt="password-reset", signer=Earlier)
    _ok, payload = serializer.loads_unsafe(token)
    return serializer.dumps(payload)


class TestRequestApi:
    async def test_known_email_gets_a_reset_mail(self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        response = await client.post("/api/auth/password-reset", json={"email": org.owner.email.upper()})
        assert response.status_code == 202
        assert response.json() == {"detail": SAME_ANSWER}
        message = await only_message(app, org.owner.email)
        assert message.subject == "Reset your Mandate password"
        assert (message.kind, message.status, message.user_id) == ("transactional", "sent", org.owner.user_id)
        assert "expires in 60 minutes" in message.text_body
        assert link_in(message, "/password-reset/confirm?token=")

    async def test_unknown_email_gets_the_same_answer_and_nothing_is_sent(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
        assert (response.status_code, response.json()) == (202, {"detail": SAME_ANSWER})
        assert await outbox(app) == []
        async with app.state.session_factory() as session:
            job = (await session.execute(Job.__table__.select())).one()
        assert (job.name, job.status, job.result) == ("account.password_reset_mail", "succeeded", {"sent": False})

    async def test_bad_email_is_named(self, client: httpx.AsyncClient) -> None:
        assert_validation(await client.post("/api/auth/password-reset", json={"email": "not-an-email"}), "email")
        assert_validation(await client.post("/api/auth/password-reset", json={}), "email")


class TestConfirmApi:
    async def test_full_flow_changes_the_password_once(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create(roles=("owner",))
        logged_in = await orgs.login_cookie_client(org.owner.email)
        token = token_of(await request_link(client, app, org.owner.email))
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert response.status_code == 204, response.text
        assert not await can_log_in(orgs, org.owner.email, PASSWORD)
        assert await can_log_in(orgs, org.owner.email, NEW_PASSWORD)
        assert (await logged_in.get("/api/me")).status_code == 401  # every session was logged out
        again = await client.post("/api/auth/password-reset/confirm", json={"token": token, "password": PASSWORD + "!"})
        body = assert_problem(again, 400, "reset_link_invalid")
        assert body["errors"][0]["field"] == "token"
        assert await can_log_in(orgs, org.owner.email, NEW_PASSWORD)
        assert "account.password_reset" in await audit_actions(org.owner.client)

    async def test_an_earlier_link_dies_with_the_first_use(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create(roles=("owner",))
        await client.post("/api/auth/password-reset", json={"email": org.owner.email})
        await client.post("/api/auth/password-reset", json={"email": org.owner.email})
        first, second = [token_of(link_in(m, "/password-reset/confirm?token=")) for m in await outbox(app)]
        ok = await client.post("/api/auth/password-reset/confirm", json={"token": second, "password": NEW_PASSWORD})
        assert ok.status_code == 204
        stale = await client.post("/api/auth/password-reset/confirm", json={"token": first, "password": PASSWORD})
        assert_problem(stale, 400, "reset_link_invalid")

    async def test_an_expired_link_fails(self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        token = token_of(await request_link(client, app, org.owner.email))
        secret = app.state.secret_key
        fresh = issued_minutes_ago(secret, token, 59)
        expired = issued_minutes_ago(secret, token, 61)
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": expired, "password": NEW_PASSWORD}
        )
        assert_problem(response, 400, "reset_link_invalid")
        assert await can_log_in(orgs, org.owner.email, PASSWORD)
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": fresh, "password": NEW_PASSWORD}
        )
        assert response.status_code == 204  # the same link inside its hour works: only the age failed above

    async def test_forged_tokens_fail(self, client: httpx.AsyncClient) -> None:
        for token in ("", "abc", "eyJ1IjoiMSJ9.AAAA.BBBB"):
            response = await client.post(
                "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
            )
            assert_problem(response, 400, "reset_link_invalid")

    async def test_the_sign_up_password_rules_apply(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create(roles=("owner",))
        token = token_of(await request_link(client, app, org.owner.email))
        for weak in ("short", "password123", org.owner.email):
            response = await client.post("/api/auth/password-reset/confirm", json={"token": token, "password": weak})
            assert_validation(response, "password")
        assert await can_log_in(orgs, org.owner.email, PASSWORD)
        ok = await client.post("/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
        assert ok.status_code == 204  # refused attempts did not use the link up

    async def test_a_reset_lifts_the_login_lock(self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        for _ in range(10):
            await client.post("/api/auth/login", json={"email": org.owner.email, "password": "wrong guess 123"})
        assert not await can_log_in(orgs, org.owner.email, PASSWORD)  # locked
        token = token_of(await request_link(client, app, org.owner.email))
        await client.post("/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
        assert await can_log_in(orgs, org.owner.email, NEW_PASSWORD)


class TestRateLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"password_resets_per_email": "2 per hour", "password_resets_per_ip": "5 per hour"}
        )

    async def test_per_email_for_known_and_unknown_alike(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org = await orgs.create(roles=("owner",))
        for email in (org.owner.email, "nobody@example.com"):
            for _ in range(2):
                assert (await client.post("/api/auth/password-reset", json={"email": email})).status_code == 202
            limited = await client.post("/api/auth/password-reset", json={"email": email})
            body = assert_problem(limited, 429, "too_many_requests")
            assert int(limited.headers["retry-after"]) > 0, body
        assert len(await outbox(app, org.owner.email)) == 2

    async def test_per_ip_across_emails(self, client: httpx.AsyncClient) -> None:
        for n in range(5):
            response = await client.post("/api/auth/password-reset", json={"email": f"person{n}@example.com"})
            assert response.status_code == 202
        assert_problem(await client.post("/api/auth/password-reset", json={"email": "late@example.com"}), 429)

    async def test_the_page_explains_the_limit(self, client: httpx.AsyncClient) -> None:
        for _ in range(2):
            await client.post("/password-reset", data={"email": "nobody@example.com"})
        page = await client.post("/password-reset", data={"email": "nobody@example.com"})
        assert page.status_code == 429
        assert "Too many attempts" in page.text


class TestPages:
    async def test_login_page_links_to_the_reset(self, client: httpx.AsyncClient) -> None:
        assert 'href="/password-reset"' in (await client.get("/login")).text

    async def test_full_flow_in_pages(self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org = await orgs.create(roles=("owner",))
        other_browser = await orgs.login_cookie_client(org.owner.email)
        form = await client.get("/password-reset")
        assert form.status_code == 200 and 'name="email"' in form.text
        sent = await client.post("/password-reset", data={"email": org.owner.email})
        assert (sent.status_code, sent.headers["location"]) == (303, "/password-reset/sent")
        assert "Check your email" in (await client.get("/password-reset/sent")).text
        link = path_of(link_in(await only_message(app, org.owner.email), "/password-reset/confirm?token="))

        page = await client.get(link)
        assert page.status_code == 200
        assert org.owner.email in page.text and page.headers["referrer-policy"] == "no-referrer"
        token = token_of(link)
        mismatch = await client.post(
            "/password-reset/confirm", data={"token": token, "password": NEW_PASSWORD, "confirm_password": "other"}
        )
        assert mismatch.status_code == 422
        assert field_error(mismatch.text, "confirm_password") == "The two passwords do not match"
        weak = await client.post(
            "/password-reset/confirm", data={"token": token, "password": "short", "confirm_password": "short"}
        )
        assert weak.status_code == 422 and field_error(weak.text, "password")

        done = await client.post(
            "/password-reset/confirm", data={"token": token, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/deals")
        board = await client.get("/deals")
        assert board.status_code == 200
        assert "Your password is changed and you are logged in." in board.text
        assert (await other_browser.get("/api/me")).status_code == 401
        assert await can_log_in(orgs, org.owner.email, NEW_PASSWORD)

        reused = await orgs.client().get(link)
        assert reused.status_code == 400 and "This reset link cannot be used" in reused.text

    async def test_unknown_email_page_answer_is_identical(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        known, unknown = orgs.client(), orgs.client()
        a = await known.post("/password-reset", data={"email": org.owner.email})
        b = await unknown.post("/password-reset", data={"email": "nobody@example.com"})
        assert (a.status_code, a.headers["location"]) == (b.status_code, b.headers["location"])
        assert (await known.get(a.headers["location"])).text == (await unknown.get(b.headers["location"])).text
        assert [m.to_address for m in await outbox(app)] == [org.owner.email]

    async def test_bad_email_is_named_on_the_form(self, client: httpx.AsyncClient) -> None:
        page = await client.post("/password-reset", data={"email": "nope"})
        assert page.status_code == 422 and field_error(page.text, "email")

    async def test_a_form_from_another_site_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/password-reset", data={"email": "a@example.com"}, headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403
