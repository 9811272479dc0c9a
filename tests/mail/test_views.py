"""The staff dev mailbox and the one-click unsubscribe pages."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mandate.mail import Attachment, MailKind
from mandate.mail.links import unsubscribe_url
from mandate.mail.preferences import preferences_of
from tests.helpers.fixtures import OrgFactory
from tests.helpers.mail import outbox
from tests.helpers.pages import browser, make_staff, submit
from tests.mail.conftest import compose_now

pytestmark = pytest.mark.anyio
NOTICE = {"title": "Closing checklist", "paragraphs": ["<script>alert(1)</script> stays text."], "action_url": None}


async def _notice(app: Any, to: str, title: str = "Closing checklist", **kwargs: Any) -> str:
    return str(
        await compose_now(app, template="mail/email/notice", to=to, context={**NOTICE, "title": title}, **kwargs)
    )


class TestMailbox:
    async def test_staff_see_messages_newest_first_and_search_by_recipient(self, app: Any, orgs: OrgFactory) -> None:
        await _notice(app, "ana@example.com", "First to Ana")
        await _notice(app, "ben@example.com", "Then to Ben")
        c = await browser(orgs, await make_staff(app))
        page = await c.get("/staff/mailbox")
        assert page.status_code == 200
        assert page.text.index("Then to Ben") < page.text.index("First to Ana")
        assert 'aria-current="page">Mailbox</a>' in page.text and "nothing leaves this machine" in page.text
        found = await c.get("/staff/mailbox", params={"q": "ANA@"})
        assert "First to Ana" in found.text and "Then to Ben" not in found.text
        none = await c.get("/staff/mailbox", params={"q": "zed@"})
        assert "No messages" in none.text

    async def test_pages_through_older_messages(self, app: Any, orgs: OrgFactory) -> None:
        from mandate.mail import views

        for n in range(views.PAGE_SIZE + 2):
            await _notice(app, f"reader{n}@example.com", f"Issue {n:03d}")
        c = await browser(orgs, await make_staff(app))
        first = await c.get("/staff/mailbox")
        assert "Issue 051" in first.text and "Issue 001" not in first.text
        older = re.search(r'href="(/staff/mailbox\?cursor=[^"]+)"', first.text)
        assert older, "no link to older messages"
        second = await c.get(older.group(1).replace("&amp;", "&"))
        assert "Issue 001" in second.text and "Issue 000" in second.text and "Issue 051" not in second.text
        assert (await c.get("/staff/mailbox", params={"cursor": "garbage"})).status_code == 422

    async def test_message_page_shows_html_sandboxed_text_headers_and_links(self, app: Any, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        message_id = await _notice(
            app,
            org.owner.email,
            kind=MailKind.NOTIFICATION,
            category="product_updates",
            user_id=org.owner.user_id,
            attachments=[Attachment.calendar("kick-off.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        )
        c = await browser(orgs, await make_staff(app))
        page = await c.get(f"/staff/mailbox/{message_id}")
        assert page.status_code == 200
        html = page.text
        iframe = re.search(r"<iframe[^>]*>", html)
        assert iframe and 'sandbox=""' in iframe.group(0) and 'srcdoc="&lt;!doctype html&gt;' in iframe.group(0)
        assert "<script>alert(1)</script>" not in html  # escaped everywhere, inside the frame's srcdoc too
        assert "&lt;script&gt;alert(1)&lt;/script&gt; stays text." in html
        assert "<dt>List-Unsubscribe-Post</dt><dd><code>List-Unsubscribe=One-Click</code></dd>" in html
        assert "<dt>Message-ID</dt>" in html and "<dt>Date</dt>" in html
        assert re.search(r'<a href="http://testserver/unsubscribe/[^"]+" class="mail-link">', html)
        assert "kick-off.ics" in html and "via outbox" in html

    async def test_attachments_and_raw_message_download(self, app: Any, orgs: OrgFactory) -> None:
        ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        message_id = await _notice(app, "ana@example.com", attachments=[Attachment.calendar("Kick off é.ics", ics)])
        [message] = await outbox(app)
        c = await browser(orgs, await make_staff(app))
        url = f"/staff/mailbox/{message_id}/attachments/{message.attachments[0].id}"
        download = await c.get(url)
        assert download.status_code == 200 and download.content == ics.encode()
        assert download.headers["content-type"] == "text/calendar; method=REQUEST; charset=utf-8"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''Kick%20off%20%C3%A9.ics" in download.headers["content-disposition"]
        assert download.headers["x-content-type-options"] == "nosniff"
        raw = await c.get(f"/staff/mailbox/{message_id}/raw")
        assert raw.headers["content-type"].startswith("message/rfc822")
        assert b"Subject: Closing checklist\r\n" in raw.content and b"multipart/mixed" in raw.content
        other = await _notice(app, "ben@example.com")
        assert (await c.get(f"/staff/mailbox/{other}/attachments/{message.attachments[0].id}")).status_code == 404

    async def test_the_list_costs_the_same_for_many_messages(
        self, app: Any, orgs: OrgFactory, assert_query_count: Any
    ) -> None:
        c = await browser(orgs, await make_staff(app))
        await _notice(app, "ana@example.com", attachments=[Attachment.pdf("a.pdf", b"%PDF")])
        with assert_query_count.expect(4):
            assert (await c.get("/staff/mailbox")).status_code == 200
        for n in range(5):
            await _notice(app, f"reader{n}@example.com", attachments=[Attachment.pdf("a.pdf", b"%PDF")])
        with assert_query_count.expect(4):
            assert (await c.get("/staff/mailbox")).status_code == 200

    async def test_unknown_message_is_404(self, app: Any, orgs: OrgFactory) -> None:
        c = await browser(orgs, await make_staff(app))
        assert (await c.get("/staff/mailbox/00000000-0000-0000-0000-000000000000")).status_code == 404

    @pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
    async def test_organization_roles_get_404_even_for_their_own_mail(
        self, app: Any, orgs: OrgFactory, role: str
    ) -> None:
        org = await orgs.create(roles=("owner", "admin", "member", "viewer"))
        message_id = await _notice(app, org[role].email, organization_id=org.id)
        [message] = await outbox(app)
        await _notice(app, "x@example.com", attachments=[Attachment.pdf("a.pdf", b"%PDF")])
        attachment = (await outbox(app, "x@example.com"))[0].attachments[0]
        c = await browser(orgs, org[role].email)
        paths = [
            "/staff/mailbox",
            f"/staff/mailbox/{message_id}",
            f"/staff/mailbox/{message.id}/raw",
            f"/staff/mailbox/{attachment.message_id}/attachments/{attachment.id}",
        ]
        for path in paths:
            assert (await c.get(path)).status_code == 404, path
        assert (await org[role].client.get("/staff/mailbox")).status_code in (303, 404)

    async def test_logged_out_visitors_are_sent_to_login(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/staff/mailbox")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/staff/mailbox")


class TestUnsubscribe:
    async def _link(self, app: Any, orgs: OrgFactory, category: str = "product_updates") -> tuple[Any, str]:
        org = await orgs.create(roles=("owner", "member"))
        await _notice(app, org.member.email, kind=MailKind.NOTIFICATION, category=category, user_id=org.member.user_id)
        [message] = await outbox(app, org.member.email)
        url = message.headers["List-Unsubscribe"].strip("<>")
        return org, url.removeprefix("http://testserver")

    async def _prefs(self, app: Any, user_id: Any) -> dict[str, bool]:
        async with app.state.session_factory() as session:
            return await preferences_of(session, user_id)

    async def test_one_click_post_without_login(self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient) -> None:
        org, path = await self._link(app, orgs)
        response = await client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert "You are unsubscribed" in response.text
        prefs = await self._prefs(app, org.member.user_id)
        assert prefs == {"product_updates": False, "event_reminders": True, "community_digests": True}
        again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200  # repeating is harmless

    async def test_get_asks_first_and_changes_nothing(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient
    ) -> None:
        org, path = await self._link(app, orgs, "community_digests")
        page = await client.get(path)
        assert page.status_code == 200
        assert "Unsubscribe from community digests?" in page.text
        assert f'action="{path}"' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert (await self._prefs(app, org.member.user_id))["community_digests"] is True
        await client.post(path)
        assert "already unsubscribed" in (await client.get(path)).text

    async def test_a_logged_in_browser_confirms_with_its_csrf_token(self, app: Any, orgs: OrgFactory) -> None:
        org, path = await self._link(app, orgs)
        c = await browser(orgs, org.member.email)
        page = await c.get(path)
        assert 'name="csrf_token"' in page.text
        assert (await c.post(path)).status_code == 403  # a cookie session must prove the form is ours
        assert (await submit(c, path)).status_code == 200
        assert (await self._prefs(app, org.member.user_id))["product_updates"] is False

    @pytest.mark.parametrize("tamper", ["forged", "altered", "other-secret", "unknown-category"])
    async def test_a_forged_token_is_rejected(
        self, app: Any, orgs: OrgFactory, client: httpx.AsyncClient, tamper: str
    ) -> None:
        org, path = await self._link(app, orgs)
        settings = app.state.settings
        paths = {
            "forged": "/unsubscribe/eyJ1IjoiMSJ9.forged.signature",
            "altered": path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"),
            "other-secret": unsubscribe_url(
                settings.model_copy(update={"secret_key": "another-key"}), org.member.user_id, "product_updates"
            ).removeprefix("http://testserver"),
            "unknown-category": unsubscribe_url(settings, org.member.user_id, "horoscopes").removeprefix(
                "http://testserver"
            ),
        }
        for method in ("GET", "POST"):
            response = await client.request(method, paths[tamper])
            assert response.status_code == 400
            assert "This unsubscribe link is not valid" in response.text
        assert (await self._prefs(app, org.member.user_id))["product_updates"] is True
