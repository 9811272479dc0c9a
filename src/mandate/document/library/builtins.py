"""Built-in templates: Markdown files with TOML front matter, kept in the table as rows without an
organization. `sync` makes the rows match the files; reads call it when a row is missing or stale,
so a fresh or emptied database serves the library without a seed step."""

from __future__ import annotations

import hashlib
import tomllib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandate.document.library.models import Category, DocumentTemplate, TemplateStatus
from mandate.document.library.schemas import VariableSpec

BUILTIN_DIR = Path(__file__).parent / "builtin"
_NAMESPACE = uuid.UUID("6f1d1c52-3f0e-4a43-9d51-5b8f0f7d2a10")


@dataclass(frozen=True)
class Builtin:
    id: uuid.UUID
    key: str
    name: str
    description: str
    category: Category
    body: str
    variables: list[dict[str, Any]]
    digest: str


def _parse(path: Path) -> Builtin:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("+++\n", 2)
    meta = tomllib.loads(front)
    key = path.stem.replace("_", "-")
    variables = [VariableSpec.model_validate(v).model_dump(mode="json") for v in meta.get("variables", [])]
    return Builtin(
        id=uuid.uuid5(_NAMESPACE, key),
        key=key,
        name=meta["name"],
        description=meta.get("description", ""),
        category=Category(meta["category"]),
        body=body.lstrip("\n"),
        variables=variables,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


@cache
def catalogue() -> dict[uuid.UUID, Builtin]:
    return {b.id: b for b in (_parse(p) for p in sorted(BUILTIN_DIR.glob("*.md")))}


def is_current(rows: list[DocumentTemplate]) -> bool:
    """The built-in rows read match the files exactly."""
    seen = {r.id: r.source_digest for r in rows if r.organization_id is None}
    return seen == {b.id: b.digest for b in catalogue().values()}


def _apply(row: DocumentTemplate, item: Builtin) -> None:
    row.key, row.name, row.description = item.key, item.name, item.description
    row.category, row.body, row.variables = item.category.value, item.body, item.variables
    row.status, row.source_digest = TemplateStatus.ACTIVE.value, item.digest


async def sync(session: AsyncSession) -> None:
    """Insert, update and drop built-in rows so they match the files. Safe to race: a concurrent
    insert of the same row loses in its savepoint and the winner's row stands."""
    items = catalogue()
    rows = {r.id: r for r in (await session.scalars(_builtin_rows())).all()}
    for item in items.values():
        row = rows.get(item.id)
        if row is not None:
            if row.source_digest != item.digest:
                _apply(row, item)
            continue
        try:
            async with session.begin_nested():
                row = DocumentTemplate(id=item.id, organization_id=None)
                _apply(row, item)
                session.add(row)
        except IntegrityError:
            pass
    stale = [i for i in rows if i not in items]
    if stale:
        await session.execute(delete(DocumentTemplate).where(DocumentTemplate.id.in_(stale)))
    await session.flush()


def _builtin_rows() -> Any:
    return select(DocumentTemplate).where(DocumentTemplate.organization_id.is_(None))
