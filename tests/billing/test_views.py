"""The public plans page."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.helpers.fixtures import OrgFactory
from tests.helpers.pages import browser

pytestmark = pytest.mark.anyio


def card(html: str, key: str) -> str:
    match = re.search(rf'<section class="plan[^"]*" id="tier-{key}".*?</section>', html, re.S)
    assert match, f"no card for {key}"
    return match.group(0)


class TestPlansPage:
    async def test_public_page_lists_every_tier(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/plans")
        assert response.status_code == 200
        for key, price in (("free", "£0"), ("starter", "£279"), ("professional", "£598"), ("enterprise", "£1,598")):
            assert price in card(response.text, key)
        assert "Unlimited team members" in card(response.text, "enterprise")
        assert "5 active deals" in card(response.text, "free")
        assert "Current plan" not in response.text
        assert 'href="/signup"' in card(response.text, "free")
        assert "mailto:sales@mandate.example" in card(response.text, "starter")

    async def test_features_in_plain_words(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/plans")
        free, pro = card(response.text, "free"), card(response.text, "professional")
        assert 'class="no"><span class="visually-hidden">Not included: </span>Export NDAs' in free
        assert '<li class="yes">Sell tickets to paid events</li>' in pro

    async def test_current_plan_is_highlighted(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        c = await browser(orgs, org.owner.email)
        response = await c.get("/plans")
        starter = card(response.text, "starter")
        assert "plan--current" in starter and "Current plan" in starter
        assert "Contact us to upgrade" in card(response.text, "professional")
        assert "Contact us to change plan" in card(response.text, "free")
        assert "Current plan" not in card(response.text, "professional")
