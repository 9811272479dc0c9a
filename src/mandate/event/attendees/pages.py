"""What the attendee pages share: times in the event's zone, status words, the row actions the
transition table allows, the dashboard's filter query, and form payloads turned into service input."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from mandate.event.attendees.repository import AttendeeFilter
from mandate.event.attendees.schemas import AttendeeSort
from mandate.event.models import AttendeeStatus
from mandate.event.states import TRANSITIONS
from mandate.kit.errors import FieldError, ValidationFailed
from mandate.web.templating import templates

S = AttendeeStatus
M = TypeVar("M", bound=BaseModel)

STATUS_LABELS = {
    S.REGISTERED: "Registered",
    S.WAITLISTED: "Waitlisted",
    S.CHECKED_IN: "Checked in",
    S.CANCELLED: "Cancelled",
}
# The organizer's words for each move of the transition table (states.TRANSITIONS decides which exist).
ACTION_LABELS = {
    (S.REGISTERED, S.CHECKED_IN): "Check in",
    (S.CHECKED_IN, S.REGISTERED): "Undo check-in",
    (S.WAITLISTED, S.REGISTERED): "Promote",
    (S.REGISTERED, S.CANCELLED): "Cancel",
    (S.WAITLISTED, S.CANCELLED): "Cancel",
}
_ACTION_ORDER = (S.CHECKED_IN, S.REGISTERED, S.CANCELLED)

PAGE_SIZE = 25
DEFAULT_SORT = AttendeeSort.REGISTERED_AT_DESC  # newest first: live registrations land on top
SORT_LABELS = {
    AttendeeSort.REGISTERED_AT_DESC: "Newest registrations",
    AttendeeSort.REGISTERED_AT: "Oldest registrations",
    AttendeeSort.NAME: "Name A to Z",
    AttendeeSort.NAME_DESC: "Name Z to A",
    AttendeeSort.STATUS: "Status",
}
STATUS_OPTIONS = [("", "Any status"), *((s.value, label) for s, label in STATUS_LABELS.items())]
SORT_OPTIONS = [(s.value if s is not DEFAULT_SORT else "", label) for s, label in SORT_LABELS.items()]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_zone(value: datetime | None, tz: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    return value.astimezone(zone(tz)).strftime(fmt) if value else ""


def status_label(status: str) -> str:
    try:
        return STATUS_LABELS[S(status)]
    except ValueError:
        return status


def row_actions(status: str) -> list[tuple[str, str]]:
    """(target status, button label) for each move the transition table allows from `status`."""
    current = S(status)
    allowed = TRANSITIONS[current]
    return [(t.value, ACTION_LABELS[(current, t)]) for t in _ACTION_ORDER if t in allowed]


templates.env.filters["in_zone"] = in_zone
templates.env.filters["attendee_status"] = status_label
templates.env.filters["attendee_actions"] = row_actions


@dataclass(frozen=True)
class ListQuery:
    """The dashboard's query string: what the table shows, and what "Export CSV" exports."""

    q: str = ""
    status: str = ""
    ticket_type: str = ""
    checked_in: str = ""
    registered_from: str = ""
    registered_to: str = ""
    sort: str = ""
    cursor: str = ""

    @classmethod
    def from_mapping(cls, data: Any) -> ListQuery:
        return cls(**{k: str(data.get(k, "") or "")[:500].strip() for k in cls.__dataclass_fields__})

    def url(self, path: str, **changes: str) -> str:
        values = {k: v for k, v in asdict(replace(self, **changes)).items() if v}
        return f"{path}?{urlencode(values)}" if values else path

    def without_cursor(self) -> ListQuery:
        return replace(self, cursor="")

    @property
    def filtered(self) -> bool:
        return any((self.q, self.status, self.ticket_type, self.checked_in, self.registered_from, self.registered_to))

    def sort_order(self) -> AttendeeSort:
        try:
            return AttendeeSort(self.sort) if self.sort else DEFAULT_SORT
        except ValueError:
            return DEFAULT_SORT

    def to_filter(self, tz: str) -> tuple[AttendeeFilter, dict[str, str]]:
        """The repository filter, and a message per field that could not be read (that field is ignored)."""
        errors: dict[str, str] = {}
        status = self.status if self.status in {s.value for s in S} else None
        if self.status and status is None:
            errors["status"] = "Choose a status from the list"
        ticket_type = _uuid(self.ticket_type)
        if self.ticket_type and ticket_type is None:
            errors["ticket_type"] = "Choose a ticket type from the list"
        checked_in = {"yes": True, "no": False}.get(self.checked_in)
        start = _day(self.registered_from, tz, "registered_from", errors)
        end = _day(self.registered_to, tz, "registered_to", errors)
        flt = AttendeeFilter(
            status=status,
            ticket_type_id=ticket_type,
            checked_in=checked_in,
            q=self.q or None,
            registered_from=start,
            # The "to" day is included: the repository's bound is exclusive, so stop at the next midnight.
            registered_to=end + timedelta(days=1) if end else None,
        )
        return flt, errors


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def _day(raw: str, tz: str, field: str, errors: dict[str, str]) -> datetime | None:
    """Midnight of a YYYY-MM-DD day in the event's zone."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[field] = "Give a date as YYYY-MM-DD"
        return None
    return datetime.combine(day, time.min, tzinfo=zone(tz))


def build(model: type[M], payload: dict[str, Any]) -> M:
    """A service input from a form post; pydantic's complaints become field errors the form shows."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = [FieldError(str(e["loc"][0]) if e["loc"] else "form", _message(e)) for e in exc.errors()]
        raise ValidationFailed("Some fields need your attention", errors=errors) from exc


def _message(error: Any) -> str:
    if error["type"].startswith("uuid"):
        return "Choose one from the list"
    if error["type"] in ("string_too_short", "missing") or error["input"] in ("", None):
        return "This field is required"
    return str(error["msg"])


def form_values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "") or "") for name in names}
