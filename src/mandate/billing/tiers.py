"""The tier catalogue: the only source of prices, limits and feature flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Feature(StrEnum):
    DOCUMENT_EXPORT = "document_export"
    VALUATION_BULK_EXPORT = "valuation_bulk_export"
    PAID_EVENTS = "paid_events"
    COMMUNITY_POST = "community_post"


class Limit(StrEnum):
    MEMBERS = "members"
    ACTIVE_DEALS = "active_deals"
    DOCUMENT_EXPORTS_PER_MONTH = "document_exports_per_month"


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    rank: int
    price_minor: int
    currency: str
    tagline: str
    limits: dict[Limit, int | None] = field(default_factory=dict)  # None means unlimited
    features: frozenset[Feature] = frozenset()

    def limit(self, name: Limit) -> int | None:
        return self.limits[name]


_STARTER_FEATURES = frozenset({Feature.DOCUMENT_EXPORT, Feature.COMMUNITY_POST})
_PRO_FEATURES = _STARTER_FEATURES | {Feature.VALUATION_BULK_EXPORT, Feature.PAID_EVENTS}

TIERS: tuple[Tier, ...] = (
    Tier(
        "free",
        "Free",
        0,
        0,
        "GBP",
        "For a dealmaker trying Mandate on a live deal",
        {Limit.MEMBERS: 1, Limit.ACTIVE_DEALS: 5, Limit.DOCUMENT_EXPORTS_PER_MONTH: 0},
    ),
    Tier(
        "starter",
        "Starter",
        1,
        279_00,
        "GBP",
        "For a small advisory team",
        {Limit.MEMBERS: 3, Limit.ACTIVE_DEALS: 25, Limit.DOCUMENT_EXPORTS_PER_MONTH: 200},
        _STARTER_FEATURES,
    ),
    Tier(
        "professional",
        "Professional",
        2,
        598_00,
        "GBP",
        "For boutiques running many mandates",
        {Limit.MEMBERS: 10, Limit.ACTIVE_DEALS: 250, Limit.DOCUMENT_EXPORTS_PER_MONTH: 2_000},
        _PRO_FEATURES,
    ),
    Tier(
        "enterprise",
        "Enterprise",
        3,
        1_598_00,
        "GBP",
        "For PE and corporate-development teams",
        {Limit.MEMBERS: None, Limit.ACTIVE_DEALS: None, Limit.DOCUMENT_EXPORTS_PER_MONTH: None},
        _PRO_FEATURES,
    ),
)
TIERS_BY_KEY = {t.key: t for t in TIERS}
DEFAULT_TIER = "free"


def get_tier(key: str) -> Tier:
    return TIERS_BY_KEY[key]


def lowest_tier_with(feature: Feature) -> Tier:
    return next(t for t in TIERS if feature in t.features)


def lowest_tier_above_limit(name: Limit, needed: int) -> Tier | None:
    for tier in TIERS:
        cap = tier.limit(name)
        if cap is None or cap >= needed:
            return tier
    return None
