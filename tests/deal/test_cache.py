"""Cached deal lists are reused only while nothing they show has changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.pages import browser, submit

pytestmark = pytest.mark.anyio


async def names(client: Any, **params: Any) -> list[str]:
    response = await client.get("/api/deals", params=params)
    assert response.status_code == 200, response.text
    return [d["name"] for d in response.json()["items"]]


class TestDealListCache:
    async def test_repeat_request_skips_the_list_query(self, orgs: Any, assert_query_count: Any) -> None:
        org = await orgs.create(roles=("owner",))
        for i in range(3):
            await org.owner.client.post("/api/deals", json={"name": f"Deal {i}", "target_company": "T"})
        await names(org.owner.client)
        with assert_query_count.expect(1):  # the token lookup only
            assert len(await names(org.owner.client)) == 3

    async def test_every_deal_write_is_seen_at_once(self, orgs: Any) -> None:
        org = await orgs.create(roles=("owner",))
        client = org.owner.client
        deal = (await client.post("/api/deals", json={"name": "Atlas", "target_company": "T"})).json()
        assert await names(client) == ["Atlas"]
        await client.patch(f"/api/deals/{deal['id']}", json={"name": "Atlas II"})
        assert await names(client) == ["Atlas II"]
        await client.post(f"/api/deals/{deal['id']}/archive")
        assert await names(client) == []
        assert await names(client, archived="true") == ["Atlas II"]
        await client.post(f"/api/deals/{deal['id']}/restore")
        assert await names(client) == ["Atlas II"]
        await client.delete(f"/api/deals/{deal['id']}")
        assert await names(client) == []

    async def test_other_organizations_never_share_an_entry(self, orgs: Any) -> None:
        a = await orgs.create(roles=("owner",))
        b = await orgs.create(roles=("owner",))
        await a.owner.client.post("/api/deals", json={"name": "Only A", "target_company": "T"})
        assert await names(a.owner.client) == ["Only A"]
        assert await names(b.owner.client) == []

    async def test_owner_renaming_themselves_refreshes_the_list(self, orgs: Any) -> None:
        org = await orgs.create(roles=("owner",))
        await org.owner.client.post("/api/deals", json={"name": "Atlas", "target_company": "T"})
        before = (await org.owner.client.get("/api/deals")).json()["items"][0]["owner"]["full_name"]
        page = await browser(orgs, org.owner.email)
        response = await submit(page, "/settings/account", full_name="Renamed Person")
        assert response.status_code == 303
        after = (await org.owner.client.get("/api/deals")).json()["items"][0]["owner"]["full_name"]
        assert (before, after) == ("Owner " + before.split()[-1], "Renamed Person")


class TestListCacheBounds:
    def test_evicts_least_recently_used_by_count(self) -> None:
        from mandate.deal.cache import ListCache

        cache = ListCache(max_entries=2)
        cache.put("a", b"1")
        cache.put("b", b"2")
        assert cache.get("a") == b"1"  # "b" is now the least recently used
        cache.put("c", b"3")
        assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")

    def test_evicts_to_stay_under_the_byte_budget(self) -> None:
        from mandate.deal.cache import ListCache

        cache = ListCache(max_entries=10, max_bytes=10)
        cache.put("a", b"x" * 6)
        cache.put("b", b"y" * 6)
        assert cache.get("a") is None and cache.get("b") == b"y" * 6
        assert cache.size_bytes == 6
        cache.put("b", b"z" * 2)  # replacing an entry does not count it twice
        assert cache.size_bytes == 2 and len(cache) == 1


class TestVersionBumps:
    async def test_an_edit_that_also_moves_the_deal_bumps_once(self, orgs: Any, app: Any) -> None:
        from sqlalchemy import select

        from mandate.organization.models import Organization

        org = await orgs.create(roles=("owner",))
        deal = (await org.owner.client.post("/api/deals", json={"name": "A", "target_company": "T"})).json()

        async def version() -> int:
            async with app.state.session_factory() as s:
                return int(
                    (await s.execute(select(Organization.deals_version).where(Organization.id == org.id))).scalar_one()
                )

        before = await version()
        await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "B", "stage": "screening"})
        assert await version() == before + 1
        await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "B"})  # no change, no bump
        assert await version() == before + 1
