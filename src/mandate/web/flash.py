"""One-shot messages carried across a redirect in a signed cookie."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

FLASH_COOKIE = "mandate_flash"


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.secret_key, salt="flash")


def flash(request: Request, response: Response, message: str, kind: str = "success") -> None:
    existing = read_flashes(request)
    existing.append({"message": message, "kind": kind})
    response.set_cookie(
        FLASH_COOKIE, _serializer(request).dumps(json.dumps(existing)), httponly=True, samesite="lax", path="/"
    )


def read_flashes(request: Request) -> list[dict[str, Any]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        data = json.loads(_serializer(request).loads(raw))
    except (BadSignature, ValueError):
        return []
    return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []
