from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from mandate.billing.tiers import TIERS, Feature, Limit

router = APIRouter(prefix="/api", tags=["billing"])


class TierOut(BaseModel):
    key: str
    name: str
    price_minor: int
    currency: str
    interval: str
    tagline: str
    limits: dict[str, int | None]
    features: dict[str, bool]


class TierList(BaseModel):
    items: list[TierOut]


@router.get("/tiers", response_model=TierList)
async def list_tiers() -> TierList:
    return TierList(
        items=[
            TierOut(
                key=t.key,
                name=t.name,
                price_minor=t.price_minor,
                currency=t.currency,
                interval="month",
                tagline=t.tagline,
                limits={name.value: t.limit(name) for name in Limit},
                features={f.value: f in t.features for f in Feature},
            )
            for t in TIERS
        ]
    )
