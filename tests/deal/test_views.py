"""The deals pipeline pages: board, list, deal page and forms, as a browser (and htmx) uses them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

STAGE_LABELS = ["Sourcing", "Screening", "Due diligence", "Negotiation", "Closing", "Won", "Lost"]
HTMX = {"HX-Request": "true"}


async def make_deal(actor: Any, **fields: Any) -> dict[str, Any]:
    payload = {"name": "Project Atlas", "target_company": "Atlas Cold Chain", **fields}
    response = await actor.client.post("/api/deals", json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def api_deal(actor: Any, deal_id: str) -> dict[str, Any]:
    response = await actor.client.get(f"/api/deals/{deal_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def form_client(orgs: Any, email: str) -> tuple[httpx.AsyncClient, str]:
    """A browser without JavaScript: session cookie, and the CSRF token only in the form body."""
    client = await orgs.login_cookie_client(email)
    del client.headers["X-CSRF-Token"]
    return client, client.cookies["mandate_csrf"]


class TestBoard:
    async def test_renders_every_stage_and_the_deal(self, orgs: Any) -> None:
        org = await orgs.create()
        await make_deal(
            org.owner,
            deal_size={"amount_minor": 1_250_000_000, "currency": "GBP"},
            expected_close="2030-06-30",
            stage="screening",
        )
        web = await orgs.login_cookie_client(org.owner.email)
        response = await web.get("/deals")
        assert response.status_code == 200
        html = response.text
        for label in STAGE_LABELS:
            assert f'>{label} <span class="colcount"' in html
        assert "Project Atlas" in html and "Atlas Cold Chain" in html
        assert "£12.5m" in html
        assert "30 Jun 2030" in html
        assert 'class="avatar avatar--sm" aria-hidden="true">O' in html  # owner initials
        assert 'name="stage"' in html and "New deal" in html
        assert (await web.get("/deals/board")).status_code == 200

    async def test_viewer_sees_the_board_without_move_controls(self, orgs: Any) -> None:
        org = await orgs.create()
        await make_deal(org.owner)
        web = await orgs.login_cookie_client(org.viewer.email)
        html = (await web.get("/deals")).text
        assert "Project Atlas" in html
        assert "/move" not in html and 'name="stage"' not in html
        assert "New deal" not in html

    async def test_my_deals_shows_only_mine(self, orgs: Any) -> None:
        org = await orgs.create(tier="starter")
        await make_deal(org.owner, name="Owner's deal")
        await make_deal(org.member, name="Member's deal")
        web = await orgs.login_cookie_client(org.member.email)
        html = (await web.get("/deals?owner=me")).text
        assert "Member&#39;s deal" in html and "Owner&#39;s deal" not in html
        html = (await web.get("/deals")).text
        assert "Member&#39;s deal" in html and "Owner&#39;s deal" in html

    async def test_query_count_does_not_grow_with_deals(self, orgs: Any, assert_query_count: Any) -> None:
        org = await orgs.create(tier="professional")
        web = await orgs.login_cookie_client(org.owner.email)
        await make_deal(org.owner)
        before = len(assert_query_count.statements)
        await web.get("/deals")
        one_deal = len(assert_query_count.statements) - before
        for i in range(29):
            await make_deal(
                org.owner, name=f"Deal {i}", owner_id=str(org.member.user_id if i % 2 else org.owner.user_id)
            )
        with assert_query_count.expect(one_deal):
            response = await web.get("/deals")
        assert response.text.count('<article class="dealcard') == 30


class TestMove:
    async def test_plain_form_post_moves_and_redirects_with_a_message(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, csrf = await form_client(orgs, org.member.email)
        response = await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening", "csrf_token": csrf})
        assert response.status_code == 303
        assert response.headers["location"] == "/deals"
        assert (await api_deal(org.owner, deal["id"]))["stage"] == "screening"
        assert "Moved Project Atlas from Sourcing to Screening." in (await web.get("/deals")).text

    async def test_form_post_without_csrf_token_is_refused(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, _csrf = await form_client(orgs, org.owner.email)
        response = await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening"})
        assert response.status_code == 403
        assert (await api_deal(org.owner, deal["id"]))["stage"] == "sourcing"

    async def test_htmx_gets_the_board_fragment_and_a_live_message(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        response = await web.post(f"/deals/{deal['id']}/move", data={"stage": "due_diligence"}, headers=HTMX)
        assert response.status_code == 200
        html = response.text
        assert html.lstrip().startswith('<div id="board"') and "<html" not in html
        assert 'hx-swap-oob="beforeend:#toasts"' in html
        assert "Moved Project Atlas from Sourcing to Due diligence." in html
        assert re.search(rf'id="move-{deal["id"]}" name="stage" autofocus', html)
        assert (await api_deal(org.owner, deal["id"]))["stage"] == "due_diligence"

    async def test_from_the_deal_page_returns_to_it(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, csrf = await form_client(orgs, org.owner.email)
        data = {"stage": "won", "next": f"/deals/{deal['id']}", "csrf_token": csrf}
        response = await web.post(f"/deals/{deal['id']}/move", data=data)
        assert response.headers["location"] == f"/deals/{deal['id']}"

    async def test_viewer_gets_403(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, csrf = await form_client(orgs, org.viewer.email)
        response = await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening", "csrf_token": csrf})
        assert response.status_code == 403
        assert "text/html" in response.headers["content-type"]
        assert (await api_deal(org.owner, deal["id"]))["stage"] == "sourcing"

    async def test_other_organizations_deal_is_404(self, orgs: Any) -> None:
        org, other = await orgs.create(), await orgs.create()
        deal = await make_deal(other.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        response = await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening"})
        assert response.status_code == 404

    async def test_reopening_past_the_limit_shows_the_upgrade_prompt(self, orgs: Any) -> None:
        org = await orgs.create(tier="free")
        won = await make_deal(org.owner, name="Closed one", stage="won")
        for i in range(5):
            await make_deal(org.owner, name=f"Open {i}")
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post(f"/deals/{won['id']}/move", data={"stage": "sourcing", "csrf_token": csrf})
        assert response.status_code == 402
        assert "You have reached your plan's limit" in response.text
        assert 'href="/plans#tier-starter"' in response.text
        htmx = await orgs.login_cookie_client(org.owner.email)
        response = await htmx.post(f"/deals/{won['id']}/move", data={"stage": "sourcing"}, headers=HTMX)
        assert response.status_code == 200 and 'class="upgrade"' in response.text
        assert (await api_deal(org.owner, won["id"]))["stage"] == "won"


class TestList:
    async def test_search_and_filters(self, orgs: Any) -> None:
        org = await orgs.create(tier="starter")
        await make_deal(org.owner, name="Project Atlas", industry="Logistics")
        await make_deal(org.member, name="Project Beacon", target_company="Beacon Diagnostics", stage="screening")
        archived = await make_deal(org.owner, name="Project Cedar", target_company="Cedar Timber")
        await org.owner.client.post(f"/api/deals/{archived['id']}/archive")
        web = await orgs.login_cookie_client(org.owner.email)

        html = (await web.get("/deals/list")).text
        assert "Project Atlas" in html and "Project Beacon" in html and "Project Cedar" not in html
        html = (await web.get("/deals/list", params={"q": "diagnos"})).text
        assert "Project Beacon" in html and "Project Atlas" not in html
        html = (await web.get("/deals/list", params={"stage": "screening"})).text
        assert "Project Beacon" in html and "Project Atlas" not in html
        html = (await web.get("/deals/list", params={"owner": "me"})).text
        assert "Project Atlas" in html and "Project Beacon" not in html
        html = (await web.get("/deals/list", params={"owner": str(org.member.user_id)})).text
        assert "Project Beacon" in html and "Project Atlas" not in html
        html = (await web.get("/deals/list", params={"archived": "1"})).text
        assert "Project Cedar" in html and "Project Atlas" not in html

    async def test_sort_and_cursor_pagination(self, orgs: Any) -> None:
        org = await orgs.create(tier="professional")
        for i in range(30):
            await make_deal(org.owner, name=f"Deal {i:02d}")
        web = await orgs.login_cookie_client(org.owner.email)
        first = await web.get("/deals/list", params={"sort": "name"})
        names = re.findall(r'class="dealtable__name" href="/deals/[^"]+">(Deal \d\d)<', first.text)
        assert names == [f"Deal {i:02d}" for i in range(25)]
        next_url = re.search(r'href="(/deals/list\?[^"]*cursor=[^"]+)"', first.text)
        assert next_url and "Next page" in first.text
        second = await web.get(next_url.group(1).replace("&amp;", "&"))
        names = re.findall(r'class="dealtable__name" href="/deals/[^"]+">(Deal \d\d)<', second.text)
        assert names == [f"Deal {i:02d}" for i in range(25, 30)]
        assert "Next page" not in second.text and "First page" in second.text
        reverse = await web.get("/deals/list", params={"sort": "-name"})
        assert reverse.text.index("Deal 29") < reverse.text.index("Deal 28")

    async def test_htmx_live_search_returns_the_results_block(self, orgs: Any) -> None:
        org = await orgs.create()
        await make_deal(org.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        page = (await web.get("/deals/list")).text
        assert 'hx-trigger="input changed delay:300ms, search"' in page and 'hx-push-url="true"' in page
        response = await web.get("/deals/list", params={"q": "atlas"}, headers=HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="deal-results"') and "<html" not in response.text
        assert 'id="list-status" hx-swap-oob="innerHTML">1 deal found' in response.text
        assert response.headers["vary"] == "HX-Request"

    async def test_empty_states_say_what_to_do(self, orgs: Any) -> None:
        org = await orgs.create()
        web = await orgs.login_cookie_client(org.owner.email)
        assert "No deals yet" in (await web.get("/deals/list")).text
        assert "No deals match these filters" in (await web.get("/deals/list?q=zzz")).text
        assert "No archived deals" in (await web.get("/deals/list?archived=1")).text

    async def test_bad_parameters_fall_back_instead_of_failing(self, orgs: Any) -> None:
        org = await orgs.create()
        await make_deal(org.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        response = await web.get("/deals/list", params={"stage": "nope", "sort": "bogus", "owner": "x", "cursor": "!!"})
        assert response.status_code == 200 and "Project Atlas" in response.text


class TestCreate:
    def form(self, csrf: str, **fields: str) -> dict[str, str]:
        return {
            "name": "Project Atlas",
            "target_company": "Atlas Ltd",
            "currency": "GBP",
            "stage": "sourcing",
            "csrf_token": csrf,
            **fields,
        }

    async def test_parses_a_typed_deal_size(self, orgs: Any) -> None:
        org = await orgs.create()
        web, csrf = await form_client(orgs, org.member.email)
        form = (await web.get("/deals/new")).text
        assert 'name="deal_size"' in form and '<option value="EUR"' in form
        response = await web.post("/deals/new", data=self.form(csrf, deal_size="12.5m", expected_close="2030-01-31"))
        assert response.status_code == 303
        deal_id = response.headers["location"].rsplit("/", 1)[-1]
        deal = await api_deal(org.owner, deal_id)
        assert deal["deal_size"]["amount_minor"] == 1_250_000_000 and deal["deal_size"]["currency"] == "GBP"
        assert deal["owner"]["id"] == str(org.member.user_id)
        assert deal["expected_close"] == "2030-01-31"
        assert "Created Project Atlas in Sourcing." in (await web.get(f"/deals/{deal_id}")).text

    async def test_symbol_sets_the_currency(self, orgs: Any) -> None:
        org = await orgs.create()
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post("/deals/new", data=self.form(csrf, deal_size="€2,500,000"))
        deal = await api_deal(org.owner, response.headers["location"].rsplit("/", 1)[-1])
        assert deal["deal_size"] == {"amount_minor": 250_000_000, "currency": "EUR", "display": "€2,500,000.00"}

    async def test_bad_size_is_422_with_the_field_error(self, orgs: Any) -> None:
        org = await orgs.create()
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post("/deals/new", data=self.form(csrf, deal_size="twelve million", name=""))
        assert response.status_code == 422
        html = response.text
        assert re.search(r'id="field-deal_size".*?aria-invalid="true".*?Enter an amount such as', html, re.S)
        assert re.search(r'id="name-error">Give the deal a name<', html)
        assert 'value="twelve million"' in html  # what was typed comes back
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []

    async def test_owner_must_be_a_member(self, orgs: Any) -> None:
        org, other = await orgs.create(), await orgs.create()
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post("/deals/new", data=self.form(csrf, owner_id=str(other.owner.user_id)))
        assert response.status_code == 422
        assert re.search(r'id="owner_id-error">The owner must be a member', response.text)

    async def test_free_org_at_its_limit_sees_the_upgrade_prompt(self, orgs: Any) -> None:
        org = await orgs.create(tier="free")
        for i in range(5):
            await make_deal(org.owner, name=f"Open {i}")
        web, csrf = await form_client(orgs, org.owner.email)
        page = await web.get("/deals/new")
        assert page.status_code == 200
        assert "You have reached your plan's limit" in page.text and "You are using 5 of 5" in page.text
        assert 'action="/deals/new"' not in page.text  # a prompt, not a dead form
        response = await web.post("/deals/new", data=self.form(csrf))
        assert response.status_code == 402 and 'href="/plans#tier-starter"' in response.text
        assert "Compare plans" in (await web.get("/deals")).text

    async def test_viewer_cannot_open_or_post_the_form(self, orgs: Any) -> None:
        org = await orgs.create()
        web, csrf = await form_client(orgs, org.viewer.email)
        assert (await web.get("/deals/new")).status_code == 403
        assert (await web.post("/deals/new", data=self.form(csrf, deal_size="bad"))).status_code == 403


class TestDealPage:
    async def test_details_and_readable_history(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner, deal_size={"amount_minor": 1_000_000_00, "currency": "GBP"})
        web, csrf = await form_client(orgs, org.member.email)
        await web.post(f"/deals/{deal['id']}/move", data={"stage": "screening", "csrf_token": csrf})
        edit = (await web.get(f"/deals/{deal['id']}/edit")).text
        assert 'value="1,000,000"' in edit and 'value="Project Atlas"' in edit
        data = {
            "name": "Project Atlas II",
            "target_company": "Atlas Cold Chain",
            "deal_size": "1.5m",
            "currency": "GBP",
            "stage": "screening",
            "owner_id": str(org.owner.user_id),
            "csrf_token": csrf,
        }
        response = await web.post(f"/deals/{deal['id']}/edit", data=data)
        assert response.status_code == 303
        html = (await web.get(f"/deals/{deal['id']}")).text
        assert "Project Atlas II" in html and "£1,500,000.00" in html
        n = org.owner.email.split("@")[0].removeprefix("owner")
        assert f"<strong>Member {n}</strong> moved it from Sourcing to Screening" in html
        assert f"<strong>Owner {n} (API token)</strong> created the deal in Sourcing" in html
        assert "edited 2 details:" in html
        assert "<li>Changed name from Project Atlas to Project Atlas II</li>" in html
        assert "<li>Changed deal size from £1,000,000.00 to £1,500,000.00</li>" in html

    async def test_edit_with_a_bad_date_is_422(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, csrf = await form_client(orgs, org.owner.email)
        data = {
            "name": "X",
            "target_company": "Y",
            "currency": "GBP",
            "stage": "sourcing",
            "owner_id": str(org.owner.user_id),
            "expected_close": "31/02/2030",
            "csrf_token": csrf,
        }
        response = await web.post(f"/deals/{deal['id']}/edit", data=data)
        assert response.status_code == 422 and 'id="expected_close-error">Enter a date' in response.text
        assert (await api_deal(org.owner, deal["id"]))["name"] == "Project Atlas"

    async def test_other_organizations_deal_is_404(self, orgs: Any) -> None:
        org, other = await orgs.create(), await orgs.create()
        deal = await make_deal(other.owner)
        web = await orgs.login_cookie_client(org.owner.email)
        for path in ("", "/edit", "/delete"):
            assert (await web.get(f"/deals/{deal['id']}{path}")).status_code == 404
        assert (await web.get("/deals/not-a-uuid")).status_code == 404

    async def test_archive_restore_and_delete(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post(f"/deals/{deal['id']}/archive", data={"csrf_token": csrf})
        assert response.status_code == 303
        html = (await web.get(f"/deals/{deal['id']}")).text
        assert "This deal is archived" in html and "archived the deal" in html
        assert "Project Atlas" not in (await web.get("/deals")).text
        assert (await web.post(f"/deals/{deal['id']}/restore", data={"csrf_token": csrf})).status_code == 303
        assert "restored the deal" in (await web.get(f"/deals/{deal['id']}")).text
        confirm = await web.get(f"/deals/{deal['id']}/delete")
        assert confirm.status_code == 200 and "cannot be undone" in confirm.text
        response = await web.post(f"/deals/{deal['id']}/delete", data={"csrf_token": csrf})
        assert response.status_code == 303 and response.headers["location"] == "/deals/list"
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).status_code == 404

    async def test_members_cannot_delete_and_viewers_cannot_archive(self, orgs: Any) -> None:
        org = await orgs.create()
        deal = await make_deal(org.owner)
        member, member_csrf = await form_client(orgs, org.member.email)
        assert "Delete…" not in (await member.get(f"/deals/{deal['id']}")).text
        assert (await member.get(f"/deals/{deal['id']}/delete")).status_code == 403
        assert (await member.post(f"/deals/{deal['id']}/delete", data={"csrf_token": member_csrf})).status_code == 403
        viewer, viewer_csrf = await form_client(orgs, org.viewer.email)
        page = (await viewer.get(f"/deals/{deal['id']}")).text
        assert "Edit deal" not in page and "Archive" not in page
        assert (await viewer.post(f"/deals/{deal['id']}/archive", data={"csrf_token": viewer_csrf})).status_code == 403
        assert (await viewer.get(f"/deals/{deal['id']}/edit")).status_code == 403

    async def test_restoring_past_the_limit_shows_the_upgrade_prompt(self, orgs: Any) -> None:
        org = await orgs.create(tier="free")
        first = await make_deal(org.owner, name="First")
        await org.owner.client.post(f"/api/deals/{first['id']}/archive")
        for i in range(5):
            await make_deal(org.owner, name=f"Open {i}")
        web, csrf = await form_client(orgs, org.owner.email)
        response = await web.post(f"/deals/{first['id']}/restore", data={"csrf_token": csrf})
        assert response.status_code == 402
        assert 'class="upgrade"' in response.text and "This deal is archived" in response.text
