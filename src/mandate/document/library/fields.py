"""Merge fields: plain values built from the deal, organization, author and the variables given."""

from __future__ import annotations

from datetime import date
from typing import Any

from mandate.account.models import User
from mandate.deal.models import Deal, Stage
from mandate.document.library.render import MergeFields, coerce_number, format_date, format_money
from mandate.document.library.schemas import VariableSpec, VariableType
from mandate.kit.errors import FieldError, ValidationFailed
from mandate.kit.money import Money
from mandate.organization.models import Organization


def deal_fields(deal: Deal) -> MergeFields:
    size = Money(deal.deal_size_minor, deal.currency).format() if deal.deal_size_minor is not None else ""
    return MergeFields(
        "deal",
        {
            "name": deal.name,
            "target_company": deal.target_company,
            "industry": deal.industry or "",
            "size": size,
            "stage": Stage(deal.stage).label,
            "expected_close": format_date(deal.expected_close) if deal.expected_close else "",
            "owner": MergeFields("deal.owner", {"name": deal.owner.full_name if deal.owner else ""}),
        },
    )


def _coerce(spec: VariableSpec, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    if spec.type is VariableType.NUMBER:
        return coerce_number(text)
    if spec.type is VariableType.MONEY:
        return format_money(text)
    if spec.type is VariableType.DATE:
        try:
            return format_date(text)
        except ValueError as exc:
            raise ValueError("Enter a date as YYYY-MM-DD") from exc
    if spec.type is VariableType.CHOICE and text not in spec.choices:
        raise ValueError(f"Choose one of: {', '.join(spec.choices)}")
    return text


def variable_fields(specs: list[VariableSpec], given: dict[str, Any]) -> tuple[MergeFields, list[str]]:
    """Typed, formatted variable values, and the optional ones left empty. 422 names each bad one."""
    values: dict[str, str] = {}
    missing: list[str] = []
    errors: list[FieldError] = []
    for spec in specs:
        raw = given.get(spec.name, spec.default)
        try:
            values[spec.name] = _coerce(spec, raw)
        except ValueError as exc:
            errors.append(FieldError(f"variables.{spec.name}", str(exc)))
            continue
        if not values[spec.name]:
            if spec.required:
                errors.append(FieldError(f"variables.{spec.name}", f"{spec.label} is required"))
            else:
                missing.append(spec.name)
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    return MergeFields("variables", values), missing


def merge_fields(
    *, organization: Organization, author: User, variables: MergeFields, deal: Deal | None, today: date
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "organization": MergeFields("organization", {"name": organization.name}),
        "author": MergeFields("author", {"full_name": author.full_name, "email": author.email}),
        "today": format_date(today),
        "variables": variables,
    }
    if deal is not None:
        fields["deal"] = deal_fields(deal)
    return fields
