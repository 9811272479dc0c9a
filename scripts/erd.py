"""Print docs/erd.md: a Mermaid ER diagram generated from the SQLAlchemy models."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Table

from mandate.models import Base


def _type_name(column: object) -> str:
    type_ = column.type  # type: ignore[attr-defined]
    name = type(type_).__name__
    return {"UTCDateTime": "timestamptz", "Uuid": "uuid", "BigInteger": "bigint"}.get(name, name.lower())


def _table_block(table: Table) -> list[str]:
    lines = [f"    {table.name} {{"]
    for column in table.columns:
        keys = []
        if column.primary_key:
            keys.append("PK")
        if column.foreign_keys:
            keys.append("FK")
        unique = (
            any(
                getattr(c, "columns", None) is not None and list(c.columns) == [column]
                for c in table.constraints
                if type(c).__name__ == "UniqueConstraint"
            )
            or column.unique
        )
        if unique and "PK" not in keys:
            keys.append("UK")
        suffix = f" {','.join(keys)}" if keys else ""
        null = "" if column.nullable is False or column.primary_key else ' "nullable"'
        lines.append(f"        {_type_name(column)} {column.name}{suffix}{null}")
    lines.append("    }")
    return lines


def render() -> str:
    tables = sorted(Base.metadata.tables.values(), key=lambda t: t.name)
    out = [
        "# Entity-relationship diagram",
        "",
        "Generated from the SQLAlchemy models by `make erd` (scripts/erd.py); a test fails when it is stale.",
        "Tables marked tenant-owned carry `organization_id` and are scoped automatically (see architecture.md).",
        "",
        "Tenant-owned: " + ", ".join(f"`{t.name}`" for t in tables if t.info.get("tenant_owned")) + ".",
        "",
        "```mermaid",
        "erDiagram",
    ]
    for table in tables:
        out.extend(_table_block(table))
    for table in tables:
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            target = fk.column.table.name
            many = "}o" if fk.parent.nullable else "}|"
            out.append(f'    {target} ||--{many} {table.name} : "{fk.parent.name}"')
    out.append("```")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
