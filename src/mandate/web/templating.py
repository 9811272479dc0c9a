"""Jinja2 with block rendering (jinja2-fragments) shared by every domain's views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks

SRC = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [str(SRC / "web" / "templates"), *(str(p) for p in sorted(SRC.glob("*/templates")) if p.parent.name != "web")]

templates = Jinja2Blocks(directory=TEMPLATE_DIRS)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block_name: str | None = None,
) -> Any:
    ctx = dict(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, block_name=block_name)
