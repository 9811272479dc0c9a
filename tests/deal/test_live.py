"""Deal changes go out live (after commit) on the organization's and the deal's channels, and the
board and deal page are wired to listen and re-fetch themselves."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mandate.live.cursor import decode_cursor
from tests.helpers.api import create_deal
from tests.helpers.fixtures import LiveCapture

pytestmark = pytest.mark.anyio
HTMX = {"HX-Request": "true"}


def _sse_url(html: str) -> dict[str, list[str]]:
    found = re.search(r'sse-connect="([^"]+)"', html)
    assert found, "the page does not listen for live updates"
    url = urlsplit(unescape(found.group(1)))
    assert url.path == "/api/live"
    return parse_qs(url.query)


class TestDealChangesGoLive:
    async def test_every_change_is_announced_on_both_channels(
        self, orgs: Any, capture_live_events: LiveCapture
    ) -> None:
        org = await orgs.create()
        await capture_live_events.watch(f"org:{org.id}")
        deal = await create_deal(org.member.client, name="Atlas")
        await capture_live_events.watch(f"deal:{deal['id']}")
        web = await orgs.login_cookie_client(org.owner.email)
        api = org.owner.client
        assert (await api.patch(f"/api/deals/{deal['id']}", json={"target_company": "Atlas plc"})).status_code == 200
        assert (
            await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening"}, headers=HTMX)
        ).status_code == 200
        assert (await api.post(f"/api/deals/{deal['id']}/archive")).status_code == 200
        assert (await api.post(f"/api/deals/{deal['id']}/restore")).status_code == 200
        assert (await api.delete(f"/api/deals/{deal['id']}")).status_code == 204

        events = await capture_live_events.events()
        actions = ["created", "updated", "moved", "archived", "restored", "deleted"]
        on_org = [e.payload() for e in events if e.channel == f"org:{org.id}"]
        on_deal = [e.payload() for e in events if e.channel == f"deal:{deal['id']}"]
        assert [p["action"] for p in on_org] == actions
        assert [p["action"] for p in on_deal] == actions[1:]  # watched from after the create
        assert {e.type for e in events} == {"deal.changed"}
        assert all(p["deal_id"] == deal["id"] for p in on_org)
        assert on_org[0]["actor_id"] == str(org.member.user_id)
        assert on_org[0]["message"] == f"Member {_n(org)} added Atlas."
        assert on_org[2]["message"] == f"Owner {_n(org)} moved Atlas to Screening."
        assert on_org[2]["stage"] == "screening"

    async def test_a_write_that_changes_nothing_announces_nothing(
        self, orgs: Any, capture_live_events: LiveCapture
    ) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        await capture_live_events.watch(f"org:{org.id}")
        assert (await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "Atlas"})).status_code == 200
        assert await capture_live_events.events() == []


def _n(org: Any) -> str:
    """The number the org factory put in its users' names ("Owner 3")."""
    return str(org.owner.email.split("@")[0].removeprefix("owner"))


class TestBoardListens:
    async def test_the_board_streams_its_organization_from_where_it_was_drawn(self, orgs: Any) -> None:
        org = await orgs.create()
        await create_deal(org.owner.client)
        web = await orgs.login_cookie_client(org.viewer.email)
        html = (await web.get("/deals")).text
        query = _sse_url(html)
        assert query["channel"] == [f"org:{org.id}"]
        assert list(decode_cursor(query["last_event_id"][0])) == [f"org:{org.id}"]
        assert 'hx-ext="sse"' in html
        assert re.search(r'<div id="board"[^>]*hx-trigger="sse:deal.changed, sse:reload"', html)

    async def test_a_live_refresh_gets_the_board_and_its_summary(self, orgs: Any) -> None:
        org = await orgs.create()
        await create_deal(org.owner.client, name="Atlas")
        web = await orgs.login_cookie_client(org.member.email)
        response = await web.get("/deals/board", headers=HTMX)
        assert response.status_code == 200 and "HX-Request" in response.headers["vary"]
        html = response.text
        assert html.lstrip().startswith('<div id="board"') and "<html" not in html
        assert "sse-connect" not in html  # the connection stays open outside the swapped part
        assert '<p id="board-summary" hx-swap-oob="true">1 open deal' in html
        assert "Atlas" in html
        mine = (await web.get("/deals/board?owner=me", headers=HTMX)).text
        assert 'hx-get="/deals/board?owner=me"' in mine and "Atlas" not in mine

    async def test_the_board_of_another_organization_is_never_streamed(self, orgs: Any) -> None:
        mine, theirs = await orgs.create(), await orgs.create()
        web = await orgs.login_cookie_client(mine.owner.email)
        query = _sse_url((await web.get("/deals")).text)
        assert query["channel"] == [f"org:{mine.id}"] and f"org:{theirs.id}" not in str(query)


class TestDealPageListens:
    async def test_the_deal_page_streams_its_deal(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        web = await orgs.login_cookie_client(org.viewer.email)
        html = (await web.get(f"/deals/{deal['id']}")).text
        assert _sse_url(html)["channel"] == [f"deal:{deal['id']}"]
        assert re.search(r'<div id="dealview"[^>]*hx-trigger="sse:deal.changed, sse:reload"', html)

    async def test_a_live_refresh_gets_the_deal_block(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client, name="Atlas")
        await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "Atlas II"})
        web = await orgs.login_cookie_client(org.member.email)
        response = await web.get(f"/deals/{deal['id']}", headers=HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="dealview"') and "<html" not in response.text
        assert "Atlas II" in response.text

    async def test_a_deleted_deal_refreshes_into_a_notice_with_404(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await create_deal(org.owner.client)
        web = await orgs.login_cookie_client(org.member.email)
        assert (await org.owner.client.delete(f"/api/deals/{deal['id']}")).status_code == 204
        response = await web.get(f"/deals/{deal['id']}", headers=HTMX)
        assert response.status_code == 404
        assert response.text.lstrip().startswith('<div id="dealview">')
        assert "This deal is no longer available" in response.text
        assert (await web.get(f"/deals/{deal['id']}")).status_code == 404  # the full page too

    async def test_another_organizations_deal_refresh_is_the_same_404(self, orgs: Any) -> None:
        mine, theirs = await orgs.create(), await orgs.create()
        deal = await create_deal(theirs.owner.client, name="Secret Project")
        web = await orgs.login_cookie_client(mine.owner.email)
        response = await web.get(f"/deals/{deal['id']}", headers=HTMX)
        assert response.status_code == 404 and "Secret Project" not in response.text
        assert "This deal is no longer available" in response.text
