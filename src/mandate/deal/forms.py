"""What the deal pages need besides routes: form parsing, option lists and display helpers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mandate.deal.models import STAGE_ORDER, Deal, Stage
from mandate.deal.repository import DealSummary
from mandate.deal.schemas import DealCreate, DealSort, DealUpdate, MoneyIn
from mandate.kit.errors import AppError, FieldError, ValidationFailed
from mandate.kit.money import CURRENCIES, Money, MoneyError, parse_money

M = TypeVar("M", bound=BaseModel)

SORT_LABELS: dict[DealSort, str] = {
    DealSort.UPDATED_DESC: "Recently updated",
    DealSort.CREATED_DESC: "Newest first",
    DealSort.CREATED: "Oldest first",
    DealSort.NAME: "Name A to Z",
    DealSort.NAME_DESC: "Name Z to A",
    DealSort.EXPECTED_CLOSE: "Closing soonest",
    DealSort.EXPECTED_CLOSE_DESC: "Closing latest",
    DealSort.SIZE_DESC: "Largest first",
    DealSort.SIZE: "Smallest first",
    DealSort.UPDATED: "Least recently updated",
}
STAGE_OPTIONS: list[tuple[str, str]] = [(s.value, s.label) for s in STAGE_ORDER]
CURRENCY_OPTIONS: list[tuple[str, str]] = [(c, c) for c in sorted(CURRENCIES, key=lambda c: (c != "GBP", c))]
LIMITS = {"name": 160, "target_company": 160, "industry": 80, "description": 20_000}
# Service and schema field names mapped onto the form's inputs.
FIELD_ALIASES = {"deal_size.currency": "currency", "deal_size.amount_minor": "deal_size"}

AnyDeal = Deal | DealSummary


@dataclass
class DealForm:
    """The raw text of the deal form, kept so a rejected form comes back as typed."""

    name: str = ""
    target_company: str = ""
    industry: str = ""
    deal_size: str = ""
    currency: str = "GBP"
    stage: str = Stage.SOURCING.value
    owner_id: str = ""
    expected_close: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, Any]) -> DealForm:
        def text(name: str, default: str = "") -> str:
            value = data.get(name, default)
            return value if isinstance(value, str) else default

        return cls(
            name=text("name"),
            target_company=text("target_company"),
            industry=text("industry"),
            deal_size=text("deal_size"),
            currency=text("currency", "GBP"),
            stage=text("stage", Stage.SOURCING.value),
            owner_id=text("owner_id"),
            expected_close=text("expected_close"),
            description=text("description"),
        )

    @classmethod
    def from_deal(cls, deal: Deal) -> DealForm:
        return cls(
            name=deal.name,
            target_company=deal.target_company,
            industry=deal.industry or "",
            deal_size=plain_amount(deal.deal_size_minor, deal.currency),
            currency=deal.currency,
            stage=deal.stage,
            owner_id=str(deal.owner_id or ""),
            expected_close=deal.expected_close.isoformat() if deal.expected_close else "",
            description=deal.description,
        )

    def values(self) -> dict[str, str]:
        data = asdict(self)
        data.pop("errors")
        return {k: str(v) for k, v in data.items()}

    def _payload(self) -> dict[str, Any]:
        """Turn the text into typed values, collecting every problem at once."""
        errors: dict[str, str] = {}
        payload: dict[str, Any] = {
            "name": self.name,
            "target_company": self.target_company,
            "industry": self.industry.strip() or None,
            "description": self.description,
            "deal_size": None,
            "expected_close": None,
        }
        for name, cap in LIMITS.items():
            if len(getattr(self, name)) > cap:
                errors[name] = f"Keep this under {cap:,} characters"
        for name, label in (("name", "Give the deal a name"), ("target_company", "Name the target company")):
            if not getattr(self, name).strip():
                errors[name] = label
        if self.currency not in CURRENCIES:
            errors["currency"] = "Choose a currency from the list"
        elif self.deal_size.strip():
            try:
                money = parse_money(self.deal_size, self.currency)
                payload["deal_size"] = MoneyIn(amount_minor=money.amount_minor, currency=money.currency)
            except MoneyError as exc:
                errors["deal_size"] = str(exc)
        try:
            payload["stage"] = Stage(self.stage)
        except ValueError:
            errors["stage"] = "Choose a stage from the list"
        if self.owner_id:
            try:
                payload["owner_id"] = uuid.UUID(self.owner_id)
            except ValueError:
                errors["owner_id"] = "Choose an owner from the list"
        if self.expected_close.strip():
            try:
                payload["expected_close"] = date.fromisoformat(self.expected_close.strip())
            except ValueError:
                errors["expected_close"] = "Enter a date such as 2026-09-30"
        if errors:
            raise ValidationFailed(
                "Some fields need your attention", errors=[FieldError(k, v) for k, v in errors.items()]
            )
        return payload

    def to_create(self) -> DealCreate:
        return _build(DealCreate, self._payload())

    def to_update(self) -> DealUpdate:
        payload = self._payload()
        payload.setdefault("owner_id", None)  # an emptied owner is an error the service names
        return _build(DealUpdate, payload)


def _build(model: type[M], payload: dict[str, Any]) -> M:
    try:
        return model(**payload)
    except ValidationError as exc:
        errors = [FieldError(str(e["loc"][0]) if e["loc"] else "form", str(e["msg"])) for e in exc.errors()]
        raise ValidationFailed("Some fields need your attention", errors=errors) from exc


def plain_amount(amount_minor: int | None, currency: str) -> str:
    """'12,500,000' for the edit form: the currency lives in its own select."""
    if amount_minor is None:
        return ""
    exponent = CURRENCIES.get(currency, 2)
    major = Decimal(amount_minor).scaleb(-exponent)
    places = 0 if major == major.to_integral_value() else exponent
    return f"{major:,.{places}f}"


def field_errors(error: AppError) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in error.errors:
        name = FIELD_ALIASES.get(e.field, e.field.split(".")[0])
        found.setdefault(name, e.message)
    return found


def initials(name: str | None) -> str:
    parts = (name or "").split()
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def money_short(deal: AnyDeal) -> str:
    if deal.deal_size_minor is None:
        return ""
    return Money(deal.deal_size_minor, deal.currency).format_short()


def money_long(deal: AnyDeal) -> str:
    if deal.deal_size_minor is None:
        return ""
    return Money(deal.deal_size_minor, deal.currency).format()


def totals(deals: Sequence[AnyDeal]) -> str:
    """Sum of deal sizes per currency, shortest form: '£120m + €4.5m'."""
    sums: dict[str, int] = {}
    for deal in deals:
        if deal.deal_size_minor is not None:
            sums[deal.currency] = sums.get(deal.currency, 0) + deal.deal_size_minor
    ordered = sorted(sums.items(), key=lambda kv: (kv[0] != "GBP", kv[0]))
    return " + ".join(Money(amount, currency).format_short() for currency, amount in ordered)


def is_overdue(deal: AnyDeal, today: date) -> bool:
    return bool(deal.expected_close and deal.expected_close < today and Stage(deal.stage).is_open)


@dataclass
class Column:
    stage: Stage
    deals: list[AnyDeal]

    @property
    def total(self) -> str:
        return totals(self.deals)


def columns(deals: Sequence[AnyDeal]) -> list[Column]:
    by_stage: dict[str, list[AnyDeal]] = {s.value: [] for s in STAGE_ORDER}
    for deal in deals:
        by_stage.setdefault(deal.stage, []).append(deal)
    return [Column(stage, by_stage[stage.value]) for stage in STAGE_ORDER]


def parse_sort(value: str | None) -> DealSort:
    try:
        return DealSort(value or DealSort.UPDATED_DESC.value)
    except ValueError:
        return DealSort.UPDATED_DESC


def parse_stage(value: str | None) -> Stage | None:
    try:
        return Stage(value) if value else None
    except ValueError:
        return None


def parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
