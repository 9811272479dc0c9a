from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_create_and_list(orgs, assert_query_count) -> None:
    org = await orgs.create()
    other = await orgs.create()
    r = await org.owner.client.post("/api/deals", json={"name": "Atlas", "target_company": "Atlas Ltd"})
    assert r.status_code == 201, r.text
    deal_id = r.json()["id"]
    r = await other.owner.client.get(f"/api/deals/{deal_id}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    with assert_query_count.expect(8):
        r = await org.viewer.client.get("/api/deals")
    assert [d["id"] for d in r.json()["items"]] == [deal_id]
    r = await org.viewer.client.post("/api/deals", json={"name": "X", "target_company": "Y"})
    assert r.status_code == 403
