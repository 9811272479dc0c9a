from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio


class TestResolveCaller:
    async def test_cookie_caller_costs_two_queries(self, orgs: Any, assert_query_count: Any) -> None:
        # The session with its user, then the user's organizations (reused by the page header).
        org = await orgs.create(roles=("owner",))
        client = await orgs.login_cookie_client(org.owner.email)
        with assert_query_count.expect(2):
            assert (await client.get("/api/me")).status_code == 200

    async def test_token_caller_costs_one_query(self, orgs: Any, assert_query_count: Any) -> None:
        org = await orgs.create(roles=("owner",))
        await org.owner.client.get("/api/me")  # the token's first use records last_used_at
        with assert_query_count.expect(1):
            assert (await org.owner.client.get("/api/me")).status_code == 200

    async def test_page_header_reuses_the_callers_organizations(self, orgs: Any, assert_query_count: Any) -> None:
        org = await orgs.create(roles=("owner",))
        client = await orgs.login_cookie_client(org.owner.email)
        with assert_query_count.expect(2):
            assert (await client.get("/plans")).status_code == 200
