"""Every query on deals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mandate.account.models import User
from mandate.deal.models import CLOSED_STAGES, Deal
from mandate.deal.schemas import DealSort
from mandate.kit.pagination import Cursor, Page, decode_cursor, encode_cursor

_FAR_FUTURE = date(9999, 12, 31)


@dataclass(slots=True)
class OwnerSummary:
    id: uuid.UUID
    full_name: str
    email: str


@dataclass(slots=True)
class DealSummary:
    """A deal as lists show it: plain columns, no ORM identity-map bookkeeping."""

    id: uuid.UUID
    name: str
    target_company: str
    industry: str | None
    deal_size_minor: int | None
    currency: str
    stage: str
    description: str
    expected_close: date | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    owner: OwnerSummary | None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


_SUMMARY_COLUMNS = (
    Deal.id,
    Deal.name,
    Deal.target_company,
    Deal.industry,
    Deal.deal_size_minor,
    Deal.currency,
    Deal.stage,
    Deal.description,
    Deal.expected_close,
    Deal.archived_at,
    Deal.created_at,
    Deal.updated_at,
    User.id,
    User.full_name,
    User.email,
)
_OWNER_AT = 12


_SUMMARY_FIELDS = (
    "id",
    "name",
    "target_company",
    "industry",
    "deal_size_minor",
    "currency",
    "stage",
    "description",
    "expected_close",
    "archived_at",
    "created_at",
    "updated_at",
)


def _summary(row: Any) -> DealSummary:
    owner = OwnerSummary(row[12], row[13], row[14]) if row[_OWNER_AT] is not None else None
    return DealSummary(**dict(zip(_SUMMARY_FIELDS, row[:_OWNER_AT], strict=True)), owner=owner)


def _summary_select(*extra: ColumnElement[Any]) -> Select[Any]:
    return cast(Select[Any], select(*_SUMMARY_COLUMNS, *extra).outerjoin(User, User.id == Deal.owner_id))


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


def _cursor_value(value: Any) -> Any:
    """The database's own sort value, JSON-ready (dates and times as ISO strings)."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _parse_sort_value(sort: DealSort, raw: Any) -> Any:
    """Raises ValueError for anything a cursor we issued could not contain."""
    field = sort.value.lstrip("-")
    if field == "deal_size":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError("deal_size cursor value must be an integer")
        return raw
    if not isinstance(raw, str):
        raise ValueError("cursor value must be a string")
    if field in ("created_at", "updated_at"):
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("cursor time has no timezone")
        return moment
    if field == "expected_close":
        return date.fromisoformat(raw)
    return raw


def _apply_filter(stmt: Select[Any], flt: DealFilter) -> Select[Any]:
    stmt = stmt.where(Deal.archived_at.is_not(None) if flt.archived else Deal.archived_at.is_(None))
    if flt.stage:
        stmt = stmt.where(Deal.stage == flt.stage)
    if flt.owner_id:
        stmt = stmt.where(Deal.owner_id == flt.owner_id)
    if flt.q:
        needle = flt.q.lower()  # matched literally: % and _ are not wildcards
        stmt = stmt.where(
            or_(
                func.lower(Deal.name).contains(needle, autoescape=True),
                func.lower(Deal.target_company).contains(needle, autoescape=True),
                func.lower(func.coalesce(Deal.industry, "")).contains(needle, autoescape=True),
            )
        )
    return stmt


async def list_deals(
    session: AsyncSession, flt: DealFilter, *, sort: DealSort, limit: int, cursor: str | None
) -> Page[DealSummary]:
    expr = _sort_expression(sort)
    descending = sort.value.startswith("-")
    # The cursor carries the database's value of the sort key, so SQL and Python never
    # disagree about it (e.g. SQLite's lower() leaves non-ASCII letters alone).
    stmt = _apply_filter(_summary_select(expr.label("sort_key")), flt)
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
    rows = (await session.execute(stmt.order_by(*order).limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(Cursor(sort.value, _cursor_value(last[-1]), str(last[0])))
    return Page([_summary(row) for row in rows], next_cursor)


async def export_deals(session: AsyncSession, flt: DealFilter, *, limit: int) -> list[DealSummary]:
    stmt = _apply_filter(_summary_select(), flt).order_by(func.lower(Deal.name), Deal.id).limit(limit)
    return [_summary(row) for row in (await session.execute(stmt)).all()]


async def count_matching(session: AsyncSession, flt: DealFilter) -> int:
    return int(await session.scalar(_apply_filter(select(func.count(Deal.id)), flt)) or 0)


async def board_deals(session: AsyncSession, *, owner_id: uuid.UUID | None = None) -> list[DealSummary]:
    stmt = _summary_select().where(Deal.archived_at.is_(None)).order_by(Deal.updated_at.desc(), Deal.id)
    if owner_id:
        stmt = stmt.where(Deal.owner_id == owner_id)
    return [_summary(row) for row in (await session.execute(stmt)).all()]


async def get_deal(session: AsyncSession, deal_id: uuid.UUID) -> Deal | None:
    stmt = select(Deal).options(joinedload(Deal.owner)).where(Deal.id == deal_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_active(session: AsyncSession) -> int:
    stmt = select(func.count(Deal.id)).where(
        Deal.archived_at.is_(None), Deal.stage.not_in([s.value for s in CLOSED_STAGES])
    )
    return int((await session.execute(stmt)).scalar_one())
