"""Opaque keyset cursors: the last row's sort value and id, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
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
