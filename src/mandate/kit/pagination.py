"""Opaque keyset cursors: the last row's sort value and id, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from mandate.kit.errors import ValidationFailed

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: Any
    id: str


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.sort, cursor.value, cursor.id], default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, *, sort: str) -> Cursor:
    try:
        padded = token + "=" * (-len(token) % 4)
        sort_name, value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValidationFailed.field("cursor", "Cursor is not valid; start from the first page") from exc
    if sort_name != sort or not isinstance(row_id, str):
        raise ValidationFailed.field("cursor", "Cursor belongs to another sort order")
    return Cursor(sort_name, value, row_id)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def decode_time_cursor(token: str, *, sort: str) -> tuple[datetime, uuid.UUID]:
    """A cursor over (timestamp, id), newest first: the last row's time and id."""
    after = decode_cursor(token, sort=sort)
    try:
        moment = datetime.fromisoformat(str(after.value))
        if moment.tzinfo is None:
            raise ValueError("cursor time has no timezone")
        return moment, uuid.UUID(after.id)
    except (TypeError, ValueError):
        raise ValidationFailed.field("cursor", "Cursor is not valid") from None


def time_page(
    rows: list[T], limit: int, *, sort: str, moment: Callable[[T], datetime], row_id: Callable[[T], Any]
) -> Page[T]:
    """`rows` fetched with limit + 1: the first `limit`, and a cursor when there were more."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    last = kept[-1]
    return Page(kept, encode_cursor(Cursor(sort, moment(last).isoformat(), str(row_id(last)))))
