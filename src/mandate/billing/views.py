"""The public plans page: every tier side by side (HTML)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from mandate.billing.tiers import TIERS, Feature, Limit
from mandate.web.deps import PageDep
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)

SALES_EMAIL = "sales@mandate.example"

FEATURE_WORDS: dict[Feature, str] = {
    Feature.DOCUMENT_EXPORT: "Export NDAs, LOIs and memos to PDF and Word",
    Feature.COMMUNITY_POST: "Start threads and reply in the community",
    Feature.VALUATION_BULK_EXPORT: "Export valuations in bulk",
    Feature.PAID_EVENTS: "Sell tickets to paid events",
}
LIMIT_WORDS: dict[Limit, tuple[str, str]] = {
    Limit.MEMBERS: ("team member", "team members"),
    Limit.ACTIVE_DEALS: ("active deal", "active deals"),
    Limit.DOCUMENT_EXPORTS_PER_MONTH: ("document export a month", "document exports a month"),
}


def limit_text(limit: Limit, value: int | None) -> str:
    one, many = LIMIT_WORDS[limit]
    if value is None:
        return f"Unlimited {many}"
    if value == 0:
        return f"No {many}"
    return f"{value:,} {one if value == 1 else many}"


@router.get("/plans")
async def plans(page: PageDep) -> Response:
    current = page.org.tier if page.org is not None else None
    rank = next((t.rank for t in TIERS if t.key == current), None)
    return render(
        page.request,
        "billing/plans.html",
        page.context(
            tiers=TIERS,
            current=current,
            current_rank=rank,
            limits=list(Limit),
            limit_text=limit_text,
            features=list(FEATURE_WORDS.items()),
            sales_email=SALES_EMAIL,
        ),
    )
