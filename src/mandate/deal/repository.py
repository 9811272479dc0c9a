"""Every query on deals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mandate.deal.models import CLOSED_STAGES, Deal
from mandate.deal.schemas import DealSort
from mandate.kit.pagination import Cursor, Page, decode_cursor, encode_cursor

_FAR_FUTURE = date(9999, 12, 31)


@dataclass
class DealFilter:
    stage: str | None = None
    owner_id: uuid.UUID | None = None
    q: str | None = None
    archived: bool = False


def _sort_expression(sort: DealSort) -> ColumnElement[Any]:
    field = sort.value.lstrip("-")
    expressions: dict[str, ColumnElement[Any]] = {
        "created_at": Deal.created_at.expression,
        "updated_at": Deal.updated_at.expression,
        "name": func.lower(Deal.name),
        "expected_close": func.coalesce(Deal.expected_close, _FAR_FUTURE),
        "deal_size": func.coalesce(Deal.deal_size_minor, -1),
    }
    return expressions[field]


def _sort_value(deal: Deal, sort: DealSort) -> Any:
    field = sort.value.lstrip("-")
    if field == "name":
        return deal.name.lower()
    if field == "expected_close":
        return (deal.expected_close or _FAR_FUTURE).isoformat()
    if field == "deal_size":
        return deal.deal_size_minor if deal.deal_size_minor is not None else -1
    value: datetime = getattr(deal, field)
    return value.isoformat()


def _parse_sort_value(sort: DealSort, raw: Any) -> Any:
    field = sort.value.lstrip("-")
    if field in ("created_at", "updated_at"):
        return datetime.fromisoformat(str(raw))
    if field == "expected_close":
        return date.fromisoformat(str(raw))
    if field == "deal_size":
        return int(raw)
    return str(raw)


def _apply_filter(stmt: Select[Deal], flt: DealFilter) -> Select[Deal]:
    stmt = stmt.where(Deal.archived_at.is_not(None) if flt.archived else Deal.archived_at.is_(None))
    if flt.stage:
        stmt = stmt.where(Deal.stage == flt.stage)
    if flt.owner_id:
        stmt = stmt.where(Deal.owner_id == flt.owner_id)
    if flt.q:
        pattern = f"%{flt.q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Deal.name).like(pattern),
                func.lower(Deal.target_company).like(pattern),
                func.lower(func.coalesce(Deal.industry, "")).like(pattern),
            )
        )
    return stmt


async def list_deals(
    session: AsyncSession, flt: DealFilter, *, sort: DealSort, limit: int, cursor: str | None
) -> Page[Deal]:
    expr = _sort_expression(sort)
    descending = sort.value.startswith("-")
    stmt = _apply_filter(select(Deal).options(joinedload(Deal.owner)), flt)
    if cursor:
        after = decode_cursor(cursor, sort=sort.value)
        try:
            value, last_id = _parse_sort_value(sort, after.value), uuid.UUID(after.id)
        except ValueError:
            from mandate.kit.errors import ValidationFailed

            raise ValidationFailed.field("cursor", "Cursor is not valid") from None
        if descending:
            stmt = stmt.where(or_(expr < value, and_(expr == value, Deal.id < last_id)))
        else:
            stmt = stmt.where(or_(expr > value, and_(expr == value, Deal.id > last_id)))
    order = (expr.desc(), Deal.id.desc()) if descending else (expr.asc(), Deal.id.asc())
    rows = list((await session.execute(stmt.order_by(*order).limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(Cursor(sort.value, _sort_value(last, sort), str(last.id)))
    return Page(rows, next_cursor)


async def board_deals(session: AsyncSession, *, owner_id: uuid.UUID | None = None) -> list[Deal]:
    stmt = (
        select(Deal)
        .options(joinedload(Deal.owner))
        .where(Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc(), Deal.id)
    )
    if owner_id:
        stmt = stmt.where(Deal.owner_id == owner_id)
    return list((await session.execute(stmt)).scalars())


async def get_deal(session: AsyncSession, deal_id: uuid.UUID) -> Deal | None:
    stmt = select(Deal).options(joinedload(Deal.owner)).where(Deal.id == deal_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_active(session: AsyncSession) -> int:
    stmt = (
        select(func.count(Deal.id))
        .where(Deal.archived_at.is_(None), Deal.stage.not_in([s.value for s in CLOSED_STAGES]))
    )
    return int((await session.execute(stmt)).scalar_one())
