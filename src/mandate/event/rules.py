"""Pure checks on an event's values, shared by the service (which raises) and the wizard's live
validation (which shows each message next to its field)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlparse

from mandate.event.models import EventFormat, EventStatus
from mandate.kit.errors import FieldError

WIZARD_STEPS = ("basics", "schedule", "tickets", "review")
# The event's own fields: what the basics step edits, and the capacity and waitlist settings.
BASICS_FIELDS = (
    "title",
    "slug",
    "description",
    "format",
    "venue_name",
    "venue_address",
    "online_url",
    "timezone",
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
)
SETTINGS_FIELDS = ("capacity", "waitlist_enabled", "claim_window_hours")
EVENT_FIELDS = BASICS_FIELDS + SETTINGS_FIELDS
SESSION_FIELDS = ("title", "description", "starts_at", "ends_at", "room", "capacity", "position", "speakers")


@cache
def _zones() -> frozenset[str]:
    # Area/Location names and UTC; the system database also lists files such as "localtime",
    # "posixrules" or "posix/...", which are not zones anyone means.
    found = zoneinfo.available_timezones()
    return frozenset(z for z in found if z == "UTC" or ("/" in z and not z.startswith(("posix/", "right/"))))


def valid_timezone(name: str) -> bool:
    return name in _zones()


def timezone_choices() -> list[str]:
    return sorted(z for z in _zones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))


def collapse(text: str) -> str:
    return " ".join(text.split())


def valid_web_url(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _before(values: Mapping[str, Any], first: str, second: str) -> bool:
    """True when both are set and `second` is not after `first`."""
    a, b = values.get(first), values.get(second)
    return isinstance(a, datetime) and isinstance(b, datetime) and b <= a


def check_event(values: Mapping[str, Any]) -> list[FieldError]:
    """Every problem with these values, each naming its field."""
    errors: list[FieldError] = []
    if not collapse(values.get("title") or ""):
        errors.append(FieldError("title", "Give the event a title"))
    if not valid_timezone(values.get("timezone") or ""):
        errors.append(FieldError("timezone", "Choose a time zone from the list, such as Europe/London"))
    if _before(values, "starts_at", "ends_at"):
        errors.append(FieldError("ends_at", "The event must end after it starts"))
    if _before(values, "registration_opens_at", "registration_closes_at"):
        errors.append(FieldError("registration_closes_at", "Registration must close after it opens"))
    closes, ends = values.get("registration_closes_at"), values.get("ends_at")
    if isinstance(closes, datetime) and isinstance(ends, datetime) and closes > ends:
        errors.append(FieldError("registration_closes_at", "Registration must close by the end of the event"))
    opens = values.get("registration_opens_at")
    if isinstance(opens, datetime) and isinstance(ends, datetime) and opens >= ends:
        errors.append(FieldError("registration_opens_at", "Registration must open before the event ends"))
    url = values.get("online_url") or ""
    if url and not valid_web_url(url):
        errors.append(FieldError("online_url", "Enter a full web address starting with https://"))
    return errors


def missing_for_publish(values: Mapping[str, Any], ticket_types: int, now: datetime) -> list[FieldError]:
    """What an event needs before anyone can see it (and keeps needing while published)."""
    missing: list[FieldError] = []
    if values.get("starts_at") is None:
        missing.append(FieldError("starts_at", "Set when the event starts"))
    if values.get("ends_at") is None:
        missing.append(FieldError("ends_at", "Set when the event ends"))
    elif values.get("status") == EventStatus.DRAFT.value and values["ends_at"] <= now:
        missing.append(FieldError("ends_at", "The event has already ended"))
    fmt = values.get("format")
    if fmt in (EventFormat.IN_PERSON.value, EventFormat.HYBRID.value) and not collapse(values.get("venue_name") or ""):
        missing.append(FieldError("venue_name", "Name the venue of an in-person or hybrid event"))
    if fmt in (EventFormat.VIRTUAL.value, EventFormat.HYBRID.value) and not values.get("online_url"):
        missing.append(FieldError("online_url", "Give the join link of a virtual or hybrid event"))
    if ticket_types == 0:
        missing.append(FieldError("ticket_types", "Add at least one ticket type"))
    return missing


def check_session_times(
    starts_at: datetime, ends_at: datetime, event_starts: datetime | None, event_ends: datetime | None
) -> list[FieldError]:
    if ends_at <= starts_at:
        return [FieldError("ends_at", "The session must end after it starts")]
    if event_starts is None or event_ends is None:
        return [FieldError("starts_at", "Set the event's start and end before adding sessions")]
    errors = []
    if starts_at < event_starts or starts_at >= event_ends:
        errors.append(FieldError("starts_at", "The session must start during the event"))
    if ends_at > event_ends:
        errors.append(FieldError("ends_at", "The session must end by the end of the event"))
    return errors


def check_sales_window(start: datetime | None, end: datetime | None, event_ends: datetime | None) -> list[FieldError]:
    errors = []
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("sales_end_at", "Sales must end after they start"))
    if end is not None and event_ends is not None and end > event_ends:
        errors.append(FieldError("sales_end_at", "Sales must end by the end of the event"))
    if start is not None and event_ends is not None and start >= event_ends:
        errors.append(FieldError("sales_start_at", "Sales must start before the event ends"))
    return errors
