"""The one server-side entitlement check every gated action calls."""

from __future__ import annotations

from mandate.billing.tiers import Feature, Limit, get_tier, lowest_tier_above_limit, lowest_tier_with
from mandate.kit.errors import EntitlementRequired, LimitReached
from mandate.organization.models import Organization

UPGRADE_PATH = "/plans"


def has_feature(org: Organization, feature: Feature) -> bool:
    return feature in get_tier(org.tier).features


def require_feature(org: Organization, feature: Feature, *, base_url: str = "") -> None:
    if has_feature(org, feature):
        return
    needed = lowest_tier_with(feature)
    raise EntitlementRequired(
        f"{feature.value.replace('_', ' ').capitalize()} needs the {needed.name} plan or above",
        feature=feature.value,
        required_tier=needed.key,
        upgrade_url=f"{base_url}{UPGRADE_PATH}",
    )


_NOUNS = {
    Limit.MEMBERS: ("member", "members"),
    Limit.ACTIVE_DEALS: ("active deal", "active deals"),
    Limit.DOCUMENT_EXPORTS_PER_MONTH: ("document export a month", "document exports a month"),
}


def _noun(name: Limit, count: int) -> str:
    singular, plural = _NOUNS[name]
    return singular if count == 1 else plural


def check_limit(org: Organization, name: Limit, current: int, *, base_url: str = "") -> None:
    """Raise when adding one more would exceed the tier's limit; `current` is usage now."""
    cap = get_tier(org.tier).limit(name)
    if cap is None or current < cap:
        return
    upgrade = lowest_tier_above_limit(name, current + 1)
    raise LimitReached(
        f"Your {get_tier(org.tier).name} plan allows {cap:,} {_noun(name, cap)}",
        limit=cap,
        current=current,
        limit_name=name.value,
        required_tier=upgrade.key if upgrade else None,
        upgrade_url=f"{base_url}{UPGRADE_PATH}",
    )


def entitlements_of(org: Organization) -> dict[str, object]:
    tier = get_tier(org.tier)
    return {
        "features": {f.value: f in tier.features for f in Feature},
        "limits": {name.value: tier.limit(name) for name in Limit},
    }
