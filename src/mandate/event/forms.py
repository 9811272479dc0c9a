"""What the event pages need besides routes: form text -> typed values (times in the event's zone),
and typed values -> the text an input shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from mandate.deal.forms import plain_amount
from mandate.event import rules
from mandate.event.models import Event, EventFormat, EventSession, TicketType
from mandate.event.schemas import SLUG_PATTERN
from mandate.kit.errors import AppError, FieldError, ValidationFailed
from mandate.kit.money import CURRENCIES, MoneyError, parse_money

FORMAT_OPTIONS = [
    (EventFormat.IN_PERSON.value, "In person"),
    (EventFormat.VIRTUAL.value, "Online"),
    (EventFormat.HYBRID.value, "Hybrid (in person and online)"),
]
CURRENCY_OPTIONS = [(c, c) for c in sorted(CURRENCIES, key=lambda c: (c != "GBP", c))]
BASICS_FIELDS = rules.BASICS_FIELDS
BASICS_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
SESSION_FIELDS = ("title", "description", "starts_at", "ends_at", "room", "capacity", "speakers")
TICKET_FIELDS = ("name", "description", "price", "currency", "quantity", "sales_start_at", "sales_end_at", "visible")
SETTINGS_FIELDS = rules.SETTINGS_FIELDS
INPUT_FORMAT = "%Y-%m-%dT%H:%M"
M = TypeVar("M", bound=BaseModel)


def text(data: Mapping[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    return value if isinstance(value, str) else default


def raw(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: text(data, name) for name in names}


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name if rules.valid_timezone(name) else "UTC")


def local_input(moment: datetime | None, zone: str) -> str:
    """A stored UTC time as a `datetime-local` value in the event's zone."""
    return moment.astimezone(zone_of(zone)).strftime(INPUT_FORMAT) if moment else ""


def parse_local(value: str, zone: str) -> datetime | None:
    """'2027-03-01T09:30' in the event's zone -> an aware time; ValueError when unreadable."""
    value = value.strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone_of(zone))
    return parsed


def _times(values: dict[str, str], names: tuple[str, ...], zone: str, errors: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        try:
            out[name] = parse_local(values.get(name, ""), zone)
        except ValueError:
            errors[name] = "Enter a date and time such as 2027-03-01 09:30"
    return out


def _whole(value: str, name: str, errors: dict[str, str], *, low: int = 1, high: int = 1_000_000) -> int | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        errors[name] = f"Enter a whole number from {low:,} to {high:,}"
        return None
    return int(value)


def basics_payload(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The basics step's typed values, and what could not be read."""
    errors: dict[str, str] = {}
    zone = values.get("timezone", "")
    payload: dict[str, Any] = {
        name: values.get(name, "") for name in BASICS_FIELDS if name not in BASICS_TIMES and name != "slug"
    }
    if values.get("slug", "").strip():
        payload["slug"] = values["slug"].strip().lower()
    if payload["format"] not in {f.value for f in EventFormat}:
        errors["format"] = "Choose how people attend"
    payload.update(_times(values, BASICS_TIMES, zone, errors))
    return payload, errors


def check_basics(values: dict[str, str]) -> dict[str, str]:
    """Every problem the basics step can see without the database."""
    payload, errors = basics_payload(values)
    for e in rules.check_event(payload):
        errors.setdefault(e.field, e.message)
    slug = payload.get("slug")
    if slug is not None and not _slug_ok(slug):
        errors["slug"] = "Use lowercase letters, digits and single hyphens, such as spring-summit"
    return errors


def _slug_ok(slug: str) -> bool:
    return len(slug) <= 80 and re.fullmatch(SLUG_PATTERN, slug) is not None


def basics_values(event: Event) -> dict[str, str]:
    values = {name: str(getattr(event, name) or "") for name in BASICS_FIELDS if name not in BASICS_TIMES}
    values.update({name: local_input(getattr(event, name), event.timezone) for name in BASICS_TIMES})
    return values


def settings_values(event: Event) -> dict[str, str]:
    return {
        "capacity": str(event.capacity or ""),
        "waitlist_enabled": "1" if event.waitlist_enabled else "",
        "claim_window_hours": str(event.claim_window_hours),
    }


def settings_payload(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    payload = {
        "capacity": _whole(values.get("capacity", ""), "capacity", errors),
        "waitlist_enabled": values.get("waitlist_enabled") in ("1", "on", "true"),
        "claim_window_hours": _whole(
            values.get("claim_window_hours", ""), "claim_window_hours", errors, low=0, high=168
        ),
    }
    if payload["claim_window_hours"] is None and "claim_window_hours" not in errors:
        errors["claim_window_hours"] = "Enter the hours a freed seat is held, from 0 to 168"
    return payload, errors


def parse_speakers(value: str) -> list[dict[str, str]]:
    """One speaker per line: `Name | Title | Short bio` (title and bio optional)."""
    speakers = []
    for line in value.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        parts += [""] * (3 - len(parts))
        speakers.append({"name": parts[0], "title": parts[1], "bio": parts[2]})
    return speakers


def speakers_text(speakers: list[dict[str, Any]]) -> str:
    lines = []
    for s in speakers:
        parts = [s.get("name", ""), s.get("title", ""), s.get("bio", "")]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def session_payload(values: dict[str, str], zone: str) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {
        "title": values.get("title", ""),
        "description": values.get("description", ""),
        "room": values.get("room", ""),
        "capacity": _whole(values.get("capacity", ""), "capacity", errors),
        "speakers": parse_speakers(values.get("speakers", "")),
    }
    if not rules.collapse(payload["title"]):
        errors["title"] = "Give the session a title"
    for name, moment in _times(values, ("starts_at", "ends_at"), zone, errors).items():
        if moment is None and name not in errors:
            errors[name] = "Set when the session " + ("starts" if name == "starts_at" else "ends")
        payload[name] = moment
    for i, s in enumerate(payload["speakers"]):
        if not s["name"]:
            errors["speakers"] = f"Line {i + 1}: start with the speaker's name"
        elif len(s["name"]) > 120 or len(s["title"]) > 160 or len(s["bio"]) > 1000:
            errors["speakers"] = f"Line {i + 1}: keep names short and bios under 1,000 characters"
    return payload, errors


def session_values(slot: EventSession, zone: str) -> dict[str, str]:
    return {
        "title": slot.title,
        "description": slot.description,
        "starts_at": local_input(slot.starts_at, zone),
        "ends_at": local_input(slot.ends_at, zone),
        "room": slot.room,
        "capacity": str(slot.capacity or ""),
        "speakers": speakers_text(slot.speakers),
    }


def ticket_payload(values: dict[str, str], zone: str) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    currency = values.get("currency", "GBP")
    price = 0
    if values.get("price", "").strip():
        try:
            price = parse_money(values["price"], currency if currency in CURRENCIES else "GBP").amount_minor
        except MoneyError as exc:
            errors["price"] = str(exc)
    payload: dict[str, Any] = {
        "name": values.get("name", ""),
        "description": values.get("description", ""),
        "price_minor": price,
        "currency": currency,
        "quantity": _whole(values.get("quantity", ""), "quantity", errors),
        "visible": values.get("visible") in ("1", "on", "true"),
    }
    if not rules.collapse(payload["name"]):
        errors["name"] = "Name the ticket type"
    payload.update(_times(values, ("sales_start_at", "sales_end_at"), zone, errors))
    return payload, errors


def ticket_values(ticket: TicketType, zone: str) -> dict[str, str]:
    return {
        "name": ticket.name,
        "description": ticket.description,
        "price": plain_amount(ticket.price_minor, ticket.currency) if ticket.price_minor else "",
        "currency": ticket.currency,
        "quantity": str(ticket.quantity or ""),
        "sales_start_at": local_input(ticket.sales_start_at, zone),
        "sales_end_at": local_input(ticket.sales_end_at, zone),
        "visible": "1" if ticket.visible else "",
    }


def build(model: type[M], payload: dict[str, Any], errors: dict[str, str]) -> M:
    """The API model from form values; form and model problems together as one 422."""
    try:
        built = model(**payload)
    except ValidationError as exc:
        for e in exc.errors():
            errors.setdefault(str(e["loc"][0]) if e["loc"] else "form", str(e["msg"]).removeprefix("Value error, "))
        built = None
    if errors or built is None:
        raise ValidationFailed("Some fields need your attention", errors=[FieldError(k, v) for k, v in errors.items()])
    return built


def field_errors(error: AppError) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in error.errors:
        name = e.field.split(".")[0]
        name = {"price_minor": "price"}.get(name, name)
        found.setdefault(name, e.message)
    return found
