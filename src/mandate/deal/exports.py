"""The deal pipeline as a file: rows, columns and the two formats an export job can write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from mandate.deal.models import Stage
from mandate.deal.repository import DealFilter, DealSummary
from mandate.deal.schemas import DealExportRequest, ExportFormat
from mandate.kit.money import Money
from mandate.render.csvstream import csv_chunks
from mandate.render.xlsx import Column, ColumnFormat, xlsx_bytes

COLUMNS = (
    Column("Deal", width=28),
    Column("Target company", width=28),
    Column("Industry", width=18),
    Column("Stage", width=16),
    Column("Deal size", ColumnFormat.MONEY),
    Column("Currency", width=10),
    Column("Owner", width=22),
    Column("Owner email", width=28),
    Column("Expected close", ColumnFormat.DATE),
    Column("Archived", width=10),
    Column("Created", ColumnFormat.DATETIME),
    Column("Updated", ColumnFormat.DATETIME),
)


def filter_for(request: DealExportRequest) -> DealFilter:
    stage = request.stage.value if request.stage else None
    return DealFilter(stage=stage, owner_id=request.owner_id, q=request.q, archived=request.archived)


def _size(deal: DealSummary) -> Decimal | None:
    if deal.deal_size_minor is None:
        return None
    return Money(deal.deal_size_minor, deal.currency).amount


def rows(deals: Sequence[DealSummary]) -> Iterator[list[Any]]:
    for deal in deals:
        owner = deal.owner
        yield [
            deal.name,
            deal.target_company,
            deal.industry,
            Stage(deal.stage).label,
            _size(deal),
            deal.currency,
            owner.full_name if owner else None,
            owner.email if owner else None,
            deal.expected_close,
            "yes" if deal.archived else "no",
            deal.created_at.replace(tzinfo=None),  # spreadsheets have no zones: UTC, said in the docs
            deal.updated_at.replace(tzinfo=None),
        ]


def render(deals: Sequence[DealSummary], fmt: ExportFormat) -> bytes:
    if fmt is ExportFormat.XLSX:
        return xlsx_bytes(COLUMNS, rows(deals), sheet="Deals")
    header = [c.header for c in COLUMNS]
    return b"".join(csv_chunks(header, (_csv_row(r) for r in rows(deals)), bom=True))


def _csv_row(row: list[Any]) -> list[Any]:
    return [f"{v:%Y-%m-%d %H:%M}" if hasattr(v, "hour") else v for v in row]


def filename(fmt: ExportFormat, today: date) -> str:
    return f"deals-{today.isoformat()}.{fmt.value}"
