"""The public tier catalogue."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


class TestTiers:
    async def test_public_catalogue_has_exact_prices_limits_and_flags(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/tiers")
        assert r.status_code == 200, r.text
        tiers = {t["key"]: t for t in r.json()["items"]}
        assert list(tiers) == ["free", "starter", "professional", "enterprise"]
        assert {k: (t["price_minor"], t["currency"], t["interval"]) for k, t in tiers.items()} == {
            "free": (0, "GBP", "month"),
            "starter": (27900, "GBP", "month"),
            "professional": (59800, "GBP", "month"),
            "enterprise": (159800, "GBP", "month"),
        }
        assert {k: t["limits"] for k, t in tiers.items()} == {
            "free": {"members": 1, "active_deals": 5, "document_exports_per_month": 0},
            "starter": {"members": 3, "active_deals": 25, "document_exports_per_month": 200},
            "professional": {"members": 10, "active_deals": 250, "document_exports_per_month": 2000},
            "enterprise": {"members": None, "active_deals": None, "document_exports_per_month": None},
        }
        flags = {k: {f for f, on in t["features"].items() if on} for k, t in tiers.items()}
        assert flags == {
            "free": set(),
            "starter": {"document_export", "community_post"},
            "professional": {"document_export", "community_post", "valuation_bulk_export", "paid_events"},
            "enterprise": {"document_export", "community_post", "valuation_bulk_export", "paid_events"},
        }
        assert all(set(t["features"]) == set(tiers["free"]["features"]) for t in tiers.values())
        assert all(t["name"] and t["tagline"] for t in tiers.values())

    async def test_openapi_declares_it(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/api/openapi.json")).json()
        assert "/api/tiers" in schema["paths"]
