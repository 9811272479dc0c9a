"""The one entitlement check: features and limits per tier, and how a denial reads."""

from __future__ import annotations

import pytest

from mandate.billing.entitlements import check_limit, entitlements_of, has_feature, require_feature
from mandate.billing.tiers import TIERS, Feature, Limit, lowest_tier_above_limit, lowest_tier_with
from mandate.kit.errors import EntitlementRequired, LimitReached
from mandate.organization.models import Organization
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


def org_on(tier: str) -> Organization:
    return Organization(name="Acme", slug="acme", tier=tier)


class TestRequireFeature:
    @pytest.mark.parametrize(
        ("feature", "lowest"),
        [
            (Feature.DOCUMENT_EXPORT, "starter"),
            (Feature.COMMUNITY_POST, "starter"),
            (Feature.VALUATION_BULK_EXPORT, "professional"),
            (Feature.PAID_EVENTS, "professional"),
        ],
    )
    def test_lowest_tier_and_denial(self, feature: Feature, lowest: str) -> None:
        assert lowest_tier_with(feature).key == lowest
        ranks = {t.key: t.rank for t in TIERS}
        for tier in TIERS:
            org = org_on(tier.key)
            allowed = ranks[tier.key] >= ranks[lowest]
            assert has_feature(org, feature) is allowed
            if allowed:
                require_feature(org, feature)
                continue
            with pytest.raises(EntitlementRequired) as caught:
                require_feature(org, feature, base_url="https://app.example")
            problem = caught.value.to_problem()
            assert problem["status"] == 402
            assert problem["code"] == "entitlement_required"
            assert problem["required_tier"] == lowest
            assert problem["upgrade_url"] == "https://app.example/plans"
            assert {"type", "title", "detail"} <= problem.keys()


class TestCheckLimit:
    @pytest.mark.parametrize(
        ("tier", "name", "cap"),
        [
            ("free", Limit.MEMBERS, 1),
            ("starter", Limit.MEMBERS, 3),
            ("professional", Limit.MEMBERS, 10),
            ("free", Limit.ACTIVE_DEALS, 5),
            ("starter", Limit.ACTIVE_DEALS, 25),
            ("professional", Limit.ACTIVE_DEALS, 250),
            ("starter", Limit.DOCUMENT_EXPORTS_PER_MONTH, 200),
            ("professional", Limit.DOCUMENT_EXPORTS_PER_MONTH, 2000),
        ],
    )
    def test_allows_up_to_the_cap(self, tier: str, name: Limit, cap: int) -> None:
        org = org_on(tier)
        check_limit(org, name, cap - 1)
        with pytest.raises(LimitReached) as caught:
            check_limit(org, name, cap)
        problem = caught.value.to_problem()
        assert (problem["status"], problem["code"]) == (402, "limit_reached")
        assert (problem["limit"], problem["current"]) == (cap, cap)
        assert problem["limit_name"] == name.value
        upgrade = lowest_tier_above_limit(name, cap + 1)
        assert upgrade is not None
        assert problem["required_tier"] == upgrade.key

    @pytest.mark.parametrize("name", list(Limit))
    def test_enterprise_is_unlimited(self, name: Limit) -> None:
        check_limit(org_on("enterprise"), name, 10**9)

    def test_over_the_cap_after_a_downgrade_still_denies(self) -> None:
        with pytest.raises(LimitReached) as caught:
            check_limit(org_on("free"), Limit.ACTIVE_DEALS, 40)
        assert caught.value.to_problem()["current"] == 40
        assert caught.value.to_problem()["required_tier"] == "professional"


class TestEntitlementsOfOrg:
    @pytest.mark.parametrize("tier", ["free", "starter", "professional", "enterprise"])
    async def test_me_reports_the_tiers_entitlements(self, orgs: OrgFactory, tier: str) -> None:
        org = await orgs.create(tier=tier, roles=("owner",))
        me = (await org.owner.client.get("/api/me")).json()
        assert me["tier"] == tier
        assert me["entitlements"] == entitlements_of(org_on(tier))
