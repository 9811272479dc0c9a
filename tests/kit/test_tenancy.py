"""Tenant scoping fails closed: no organization, no query; another organization, no rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from mandate.audit.models import AuditEntry
from mandate.deal.models import Deal
from mandate.kit.tenancy import TenancyError, set_organization, unscoped
from mandate.organization.models import Membership, Organization
from tests.helpers.api import create_deal
from tests.helpers.fixtures import Org, OrgFactory

pytestmark = pytest.mark.anyio


async def two_orgs_with_deals(orgs: OrgFactory) -> tuple[Org, Org, str, str]:
    a = await orgs.create(roles=("owner",))
    b = await orgs.create(roles=("owner",))
    deal_a = await create_deal(a.owner.client, name="A deal")
    deal_b = await create_deal(b.owner.client, name="B deal")
    return a, b, deal_a["id"], deal_b["id"]


class TestNoOrganizationInScope:
    @pytest.mark.parametrize(
        "statement",
        [
            select(Deal),
            select(Deal.id),
            select(func.count(Deal.id)),
            select(Membership).where(Membership.user_id == uuid.uuid4()),
            update(Deal).values(name="x"),
            delete(AuditEntry),
        ],
        ids=["entity", "column", "count", "membership", "update", "delete"],
    )
    async def test_tenant_query_raises(self, app: Any, statement: Any) -> None:
        async with app.state.session_factory() as session:
            with pytest.raises(TenancyError):
                await session.execute(statement)

    async def test_session_get_raises(self, app: Any) -> None:
        async with app.state.session_factory() as session:
            with pytest.raises(TenancyError):
                await session.get(Deal, uuid.uuid4())

    async def test_non_tenant_tables_are_free(self, app: Any) -> None:
        async with app.state.session_factory() as session:
            assert (await session.execute(select(func.count(Organization.id)))).scalar_one() == 0


class TestBareTableReference:
    @pytest.mark.parametrize("with_org", [False, True])
    async def test_count_select_from_raises(self, app: Any, with_org: bool) -> None:
        async with app.state.session_factory() as session:
            if with_org:
                set_organization(session, uuid.uuid4())
            with pytest.raises(TenancyError):
                await session.execute(select(func.count()).select_from(Deal))


class TestScopedQueries:
    async def test_select_sees_only_the_current_org(self, app: Any, orgs: OrgFactory) -> None:
        a, _b, _deal_a, deal_b = await two_orgs_with_deals(orgs)
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            names = (await session.execute(select(Deal.name))).scalars().all()
            assert names == ["A deal"]
            assert await session.get(Deal, uuid.UUID(deal_b)) is None
            assert (await session.execute(select(func.count(Deal.id)))).scalar_one() == 1
            joined = select(Deal.name, Membership.role).join(Membership, Membership.user_id == Deal.owner_id)
            assert [tuple(row) for row in (await session.execute(joined)).all()] == [("A deal", "owner")]

    async def test_join_to_a_tenant_table_without_its_entity_fails_closed(self, app: Any, orgs: OrgFactory) -> None:
        a, _b, _deal_a, _deal_b = await two_orgs_with_deals(orgs)
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            with pytest.raises(TenancyError):
                await session.execute(select(Deal.name).join(Membership, Membership.user_id == Deal.owner_id))

    async def test_explicit_where_cannot_reach_another_org(self, app: Any, orgs: OrgFactory) -> None:
        a, b, _deal_a, _deal_b = await two_orgs_with_deals(orgs)
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            stmt = select(Deal).where(Deal.organization_id == b.id)
            assert (await session.execute(stmt)).scalars().all() == []

    async def test_bulk_update_and_delete_touch_only_the_current_org(self, app: Any, orgs: OrgFactory) -> None:
        a, b, _deal_a, _deal_b = await two_orgs_with_deals(orgs)
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            await session.execute(update(Deal).values(name="renamed"))
            await session.execute(delete(AuditEntry))
            await session.commit()
        async with app.state.session_factory() as session:
            set_organization(session, None)
            with unscoped(session):
                rows = {
                    row[0]: row[1] for row in (await session.execute(select(Deal.organization_id, Deal.name))).all()
                }
                audit_orgs = set((await session.execute(select(AuditEntry.organization_id))).scalars())
        assert rows == {a.id: "renamed", b.id: "B deal"}
        assert audit_orgs == {b.id}

    async def test_unscoped_is_explicit_and_restores_scope(self, app: Any, orgs: OrgFactory) -> None:
        a, _b, _deal_a, _deal_b = await two_orgs_with_deals(orgs)
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            with unscoped(session):
                assert len((await session.execute(select(Deal))).scalars().all()) == 2
            assert len((await session.execute(select(Deal))).scalars().all()) == 1


class TestWrites:
    async def test_row_for_another_org_raises_on_flush(self, app: Any, orgs: OrgFactory) -> None:
        a = await orgs.create(roles=("owner",))
        b = await orgs.create(roles=("owner",))
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            session.add(Deal(organization_id=b.id, name="x", target_company="y"))
            with pytest.raises(TenancyError):
                await session.flush()

    async def test_row_without_org_in_scope_raises(self, app: Any, orgs: OrgFactory) -> None:
        a = await orgs.create(roles=("owner",))
        async with app.state.session_factory() as session:
            session.add(Deal(organization_id=a.id, name="x", target_company="y"))
            with pytest.raises(TenancyError):
                await session.flush()

    async def test_row_without_organization_id_takes_the_current_one(self, app: Any, orgs: OrgFactory) -> None:
        a = await orgs.create(roles=("owner",))
        async with app.state.session_factory() as session:
            set_organization(session, a.id)
            deal = Deal(name="x", target_company="y")
            session.add(deal)
            await session.flush()
            assert deal.organization_id == a.id
