"""Tenant scoping that fails closed.

Every ORM query touching a model with ``TenantMixin`` is filtered to the organization set on
the session; a query without one raises. Bypassing is explicit (``unscoped``) and rare: staff
views and the login lookup of memberships.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import ForeignKey, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

ORG_KEY = "organization_id"
BYPASS_KEY = "tenant_bypass"


class TenancyError(RuntimeError):
    """A tenant-owned table was queried without an organization in scope."""


TENANT_KEY = "tenant_owned"


class TenantMixin:
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = getattr(cls, "__table__", None)
        if table is not None:
            table.info[TENANT_KEY] = True

    @declared_attr
    def organization_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True, nullable=False)


def set_organization(session: AsyncSession | Session, organization_id: uuid.UUID | None) -> None:
    target = session.sync_session if isinstance(session, AsyncSession) else session
    target.info[ORG_KEY] = organization_id


def current_organization(session: AsyncSession | Session) -> uuid.UUID | None:
    target = session.sync_session if isinstance(session, AsyncSession) else session
    value = target.info.get(ORG_KEY)
    return value if isinstance(value, uuid.UUID) else None


@contextmanager
def unscoped(session: AsyncSession | Session) -> Iterator[None]:
    """Lift tenant scoping for the block (staff console, cross-org lookups by the owner)."""
    target = session.sync_session if isinstance(session, AsyncSession) else session
    previous = target.info.get(BYPASS_KEY, False)
    target.info[BYPASS_KEY] = True
    try:
        yield
    finally:
        target.info[BYPASS_KEY] = previous


def _tenant_tables(state: ORMExecuteState) -> set[Any]:
    statement = cast(ClauseElement, state.statement)
    tables = find_tables(statement, include_aliases=True, include_joins=True, include_crud=True)
    return {t for t in tables if TENANT_KEY in getattr(t, "info", {})}


def _check_coverage(state: ORMExecuteState, touched: set[Any]) -> None:
    """Loader criteria only reach ORM entities; a bare table reference would slip past."""
    covered = {m.local_table for m in state.all_mappers if issubclass(m.class_, TenantMixin)}
    if touched - covered:
        names = ", ".join(sorted(t.name for t in touched - covered))
        raise TenancyError(f"tenant table(s) {names} referenced without an ORM entity; select an entity column")


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.session.info.get(BYPASS_KEY):
        return
    touched = _tenant_tables(state)
    if not touched:
        return
    _check_coverage(state, touched)
    org_id = state.session.info.get(ORG_KEY)
    if org_id is None:
        raise TenancyError("query on a tenant-owned table with no organization in scope")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantMixin,
            lambda cls: cls.organization_id == org_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _check_new_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get(BYPASS_KEY):
        return
    org_id = session.info.get(ORG_KEY)
    for obj in session.new:
        if isinstance(obj, TenantMixin):
            if obj.organization_id is None and org_id is not None:
                obj.organization_id = org_id
            if obj.organization_id != org_id:
                raise TenancyError("row written for an organization not in scope")
