"""Jinja2 with block rendering (jinja2-fragments) shared by every domain's views."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from mandate.web.flash import FLASH_COOKIE

SRC = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [
    str(SRC / "web" / "templates"),
    *(str(p) for p in sorted(SRC.glob("*/templates")) if p.parent.name != "web"),
]

templates = Jinja2Blocks(directory=TEMPLATE_DIRS)
LONDON = ZoneInfo("Europe/London")


def _datetime(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


def _date(value: date | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


def _humanize_action(action: str) -> str:
    return action.split(".", 1)[-1].replace("_", " ").replace(".", " ").capitalize()


templates.env.filters["datetime"] = _datetime
templates.env.filters["date"] = _date
templates.env.filters["action"] = _humanize_action
templates.env.globals["vendor_htmx"] = (SRC.parents[1] / "node_modules" / "htmx.org" / "dist").is_dir()


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block_name: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    ctx = dict(context or {})
    ctx.setdefault("page", None)
    response: Response = templates.TemplateResponse(
        request, name, ctx, status_code=status_code, block_name=block_name, headers=headers
    )
    page = ctx.get("page")
    if page is not None and getattr(page, "flashes", None) and block_name is None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
