"""Helpers for HTML form posts that fail: roll back, reload the page context, name field errors."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.kit.errors import AppError
from mandate.web.deps import Page


def field_errors(error: AppError, rename: Mapping[str, str] | None = None) -> dict[str, str]:
    """{form field: message}; `rename` maps service field names onto the form's input names."""
    names = rename or {}
    return {names.get(e.field, e.field): e.message for e in error.errors}


async def rollback_page(db: AsyncSession, page: Page) -> None:
    """Undo the failed change, then reload what the layout shows (a rollback expires every row)."""
    await db.rollback()
    seen: set[int] = set()
    for obj in (page.user, page.org, *page.organizations):
        if obj is not None and id(obj) not in seen:
            seen.add(id(obj))
            await db.refresh(obj)
