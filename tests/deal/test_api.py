"""Deals over the JSON API: CRUD, roles, tenancy, tier limit, list filters/sorts/cursors, history."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from mandate.deal.models import Deal
from mandate.deal.schemas import DealSort
from mandate.kit.pagination import Cursor, encode_cursor
from mandate.kit.tenancy import set_organization
from tests.helpers.api import assert_problem, assert_validation, audit_actions, create_deal
from tests.helpers.fixtures import Org, OrgFactory

pytestmark = pytest.mark.anyio

STAGES = ["sourcing", "screening", "due_diligence", "negotiation", "closing", "won", "lost"]


async def insert_deals(app: Any, org: Org, count: int, *, owners: list[uuid.UUID] | None = None) -> list[uuid.UUID]:
    """Bulk rows straight into the database (faster than 120 POSTs), with many ties on purpose."""
    owners = owners or [org.owner.user_id]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    deals = []
    for i in range(count):
        deals.append(
            Deal(
                organization_id=org.id,
                name=f"{'Bcdfg'[i % 5]}{'x' if i % 2 else 'X'}deal{i % 13:02d}",
                target_company=f"Target {i}",
                industry=["Software", "Healthcare", None][i % 3],
                deal_size_minor=None if i % 4 == 0 else (i % 6) * 1_000_000,
                currency="GBP",
                stage=STAGES[i % len(STAGES)],
                owner_id=owners[i % len(owners)],
                expected_close=None if i % 5 == 0 else date(2026, 1 + i % 12, 1),
                created_at=base + timedelta(minutes=i // 3),
                updated_at=base + timedelta(minutes=(i * 7) % 11),
            )
        )
    async with app.state.session_factory() as session:
        set_organization(session, org.id)
        session.add_all(deals)
        await session.commit()
    return [d.id for d in deals]


async def all_pages(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/deals", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= int(params.get("limit", 50))
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [d["id"] for d in items]


class TestCreateDeal:
    @pytest.mark.parametrize("role", ["owner", "admin", "member"])
    async def test_writers_create(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin", "member"))
        r = await org[role].client.post(
            "/api/deals",
            json={
                "name": "  Project   Atlas ",
                "target_company": "Atlas Ltd",
                "industry": "Software",
                "deal_size": {"amount_minor": 1_250_000_000, "currency": "eur"},
                "stage": "screening",
                "description": "Carve-out",
                "expected_close": "2026-09-30",
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["name"] == "Project Atlas"
        assert body["deal_size"] == {"amount_minor": 1_250_000_000, "currency": "EUR", "display": "€12,500,000.00"}
        assert body["stage"] == "screening"
        assert body["owner"]["id"] == str(org[role].user_id)
        assert body["archived"] is False
        assert body["expected_close"] == "2026-09-30"
        got = await org.owner.client.get(f"/api/deals/{body['id']}")
        assert got.json() == body
        assert "deal.created" in await audit_actions(org.owner.client, subject_id=body["id"])

    async def test_viewer_gets_403_and_nothing_is_written(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        r = await org.viewer.client.post("/api/deals", json={"name": "X", "target_company": "Y"})
        assert_problem(r, 403, "permission_denied")
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []

    async def test_owner_id_may_name_another_member(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        deal = await create_deal(org.owner.client, owner_id=str(org.member.user_id))
        assert deal["owner"]["id"] == str(org.member.user_id)

    async def test_owner_from_another_org_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        r = await org.owner.client.post(
            "/api/deals", json={"name": "X", "target_company": "Y", "owner_id": str(other.owner.user_id)}
        )
        assert_validation(r, "owner_id")
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []
        assert "deal.created" not in await audit_actions(org.owner.client)

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"target_company": "Y"}, "name"),
            ({"name": "   ", "target_company": "Y"}, "name"),
            ({"name": "x" * 161, "target_company": "Y"}, "name"),
            ({"name": "X"}, "target_company"),
            ({"name": "X", "target_company": " "}, "target_company"),
            ({"name": "X", "target_company": "Y", "stage": "dreaming"}, "stage"),
            ({"name": "X", "target_company": "Y", "deal_size": {"amount_minor": -1}}, "deal_size.amount_minor"),
            ({"name": "X", "target_company": "Y", "deal_size": {"amount_minor": 1.5}}, "deal_size.amount_minor"),
            (
                {"name": "X", "target_company": "Y", "deal_size": {"amount_minor": 1, "currency": "XYZ"}},
                "deal_size.currency",
            ),
            ({"name": "X", "target_company": "Y", "owner_id": str(uuid.uuid4())}, "owner_id"),
            ({"name": "X", "target_company": "Y", "owner_id": "bob"}, "owner_id"),
            ({"name": "X", "target_company": "Y", "expected_close": "soon"}, "expected_close"),
            ({"name": "X", "target_company": "Y", "colour": "red"}, "colour"),
        ],
    )
    async def test_validation_names_the_field(self, orgs: OrgFactory, payload: dict[str, Any], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.post("/api/deals", json=payload), field)
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/api/deals", json={"name": "X", "target_company": "Y"}), 401)


class TestActiveDealLimit:
    async def test_sixth_active_deal_on_free_is_402(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        for i in range(5):
            await create_deal(org.owner.client, name=f"Deal {i}")
        r = await org.owner.client.post("/api/deals", json={"name": "Sixth", "target_company": "Y"})
        body = assert_problem(r, 402, "limit_reached")
        assert body["limit"] == 5
        assert body["current"] == 5
        assert body["required_tier"] == "starter"
        assert body["upgrade_url"] == "http://testserver/plans"
        listed = (await org.owner.client.get("/api/deals")).json()["items"]
        assert len(listed) == 5
        assert "Sixth" not in {d["name"] for d in listed}
        assert (await audit_actions(org.owner.client, action="deal.created")).count("deal.created") == 5

    async def test_closed_and_archived_deals_do_not_count(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        deals = [await create_deal(org.owner.client, name=f"Deal {i}") for i in range(5)]
        await create_deal(org.owner.client, name="Won one", stage="won")
        assert (await org.owner.client.post(f"/api/deals/{deals[0]['id']}/archive")).status_code == 200
        await create_deal(org.owner.client, name="Fits again")
        # Restoring the archived one would make six active deals.
        r = await org.owner.client.post(f"/api/deals/{deals[0]['id']}/restore")
        assert_problem(r, 402, "limit_reached")
        assert (await org.owner.client.get(f"/api/deals/{deals[0]['id']}")).json()["archived"] is True

    async def test_reopening_a_closed_deal_past_the_limit_is_402(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        won = await create_deal(org.owner.client, name="Won", stage="won")
        for i in range(5):
            await create_deal(org.owner.client, name=f"Deal {i}")
        r = await org.owner.client.patch(f"/api/deals/{won['id']}", json={"stage": "closing", "name": "Renamed"})
        assert_problem(r, 402, "limit_reached")
        after = (await org.owner.client.get(f"/api/deals/{won['id']}")).json()
        assert (after["stage"], after["name"]) == ("won", "Won")

    async def test_starter_allows_more(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        await insert_deals(app, org, 0)
        for i in range(6):
            await create_deal(org.owner.client, name=f"Deal {i}")


class TestListDeals:
    async def test_lists_only_this_orgs_deals(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        other = await orgs.create(roles=("owner",))
        mine = await create_deal(org.owner.client, name="Mine")
        await create_deal(other.owner.client, name="Theirs")
        r = await org.viewer.client.get("/api/deals")
        assert r.status_code == 200
        assert ids(r.json()["items"]) == [mine["id"]]
        assert r.json()["next_cursor"] is None

    async def test_filters(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner", "member"))
        a = await create_deal(org.owner.client, name="Atlas", target_company="Atlas Ltd", industry="Software")
        b = await create_deal(org.member.client, name="Borealis", target_company="North plc", stage="screening")
        c = await create_deal(
            org.owner.client, name="Cobalt", target_company="Mines Ltd", industry="Mining", stage="screening"
        )
        d = await create_deal(org.owner.client, name="Delta", target_company="Delta Ltd")
        await org.owner.client.post(f"/api/deals/{d['id']}/archive")
        c_ = org.owner.client

        async def listed(**params: str) -> set[str]:
            r = await c_.get("/api/deals", params=params)
            assert r.status_code == 200, r.text
            return set(ids(r.json()["items"]))

        assert await listed() == {a["id"], b["id"], c["id"]}
        assert await listed(stage="screening") == {b["id"], c["id"]}
        assert await listed(owner=str(org.member.user_id)) == {b["id"]}
        assert await listed(q="NORTH") == {b["id"]}
        assert await listed(q="ltd") == {a["id"], c["id"]}
        assert await listed(q="mining") == {c["id"]}
        assert await listed(q="ltd", stage="screening") == {c["id"]}
        assert await listed(archived="true") == {d["id"]}
        assert await listed(archived="false") == {a["id"], b["id"], c["id"]}
        assert await listed(q="%") == set()
        assert await listed(q="_") == set()

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"stage": "bogus"}, "stage"),
            ({"owner": "nobody"}, "owner"),
            ({"archived": "maybe"}, "archived"),
            ({"sort": "colour"}, "sort"),
            ({"limit": "0"}, "limit"),
            ({"limit": "201"}, "limit"),
            ({"cursor": "!!!not-base64!!!"}, "cursor"),
            ({"q": "x" * 101}, "q"),
        ],
    )
    async def test_bad_query_is_422(self, orgs: OrgFactory, params: dict[str, str], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.get("/api/deals", params=params), field)

    @pytest.mark.parametrize(
        ("sort", "value"),
        [
            ("-updated_at", {"x": 1}),
            ("-updated_at", "2026-01-01T00:00:00"),
            ("created_at", "yesterday"),
            ("deal_size", None),
            ("deal_size", [1]),
            ("deal_size", "ten"),
            ("expected_close", 5),
            ("expected_close", "31/12/2026"),
            ("name", None),
        ],
    )
    async def test_tampered_cursor_is_422(self, orgs: OrgFactory, sort: str, value: Any) -> None:
        org = await orgs.create(roles=("owner",))
        await create_deal(org.owner.client)
        cursor = encode_cursor(Cursor(sort, value, str(uuid.uuid4())))
        r = await org.owner.client.get("/api/deals", params={"sort": sort, "cursor": cursor})
        assert_validation(r, "cursor")

    async def test_cursor_of_another_sort_is_422(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="enterprise", roles=("owner",))
        await insert_deals(app, org, 3)
        first = (await org.owner.client.get("/api/deals", params={"limit": 1, "sort": "name"})).json()
        r = await org.owner.client.get("/api/deals", params={"sort": "-name", "cursor": first["next_cursor"]})
        assert_validation(r, "cursor")

    @pytest.mark.parametrize("sort", [s.value for s in DealSort])
    async def test_every_sort_pages_through_each_deal_exactly_once(self, orgs: OrgFactory, app: Any, sort: str) -> None:
        org = await orgs.create(tier="enterprise", roles=("owner", "member"))
        created = await insert_deals(app, org, 120, owners=[org.owner.user_id, org.member.user_id])
        items = await all_pages(org.owner.client, sort=sort, limit=7)
        assert len(items) == len({d["id"] for d in items}), "a deal appeared twice"
        assert {d["id"] for d in items} == {str(i) for i in created if True} - {
            d["id"] for d in await all_pages(org.owner.client, archived="true", limit=200)
        }
        keys = [sort_key(d, sort) for d in items]
        assert keys == sorted(keys, reverse=sort.startswith("-"))

    async def test_non_ascii_names_page_exactly_once(self, orgs: OrgFactory, app: Any) -> None:
        org = await orgs.create(tier="enterprise", roles=("owner",))
        names = ["apple", "Émile", "éclair", "Zed", "émile", "Ørsted", "ørsted", "Äpfel", "zebra", "ÉCLAIR"]
        for name in names:
            await create_deal(org.owner.client, name=name)
        for sort in ("name", "-name"):
            items = await all_pages(org.owner.client, sort=sort, limit=1)
            assert sorted(d["name"] for d in items) == sorted(names), sort

    async def test_query_count_does_not_grow_with_deals(
        self, orgs: OrgFactory, app: Any, assert_query_count: Any
    ) -> None:
        org = await orgs.create(tier="enterprise", roles=("owner", "member", "viewer"))
        await insert_deals(app, org, 50, owners=[org.owner.user_id, org.member.user_id, org.viewer.user_id])
        await org.viewer.client.get("/api/me")  # settle the token's last-used stamp
        with assert_query_count.expect(6):
            r = await org.viewer.client.get("/api/deals", params={"limit": 50})
        assert r.status_code == 200
        assert len(r.json()["items"]) == 50
        assert {d["owner"]["id"] for d in r.json()["items"]} == {
            str(org.owner.user_id),
            str(org.member.user_id),
            str(org.viewer.user_id),
        }


def sort_key(deal: dict[str, Any], sort: str) -> Any:
    field = sort.lstrip("-")
    if field == "name":
        return deal["name"].lower()
    if field == "deal_size":
        return deal["deal_size"]["amount_minor"] if deal["deal_size"] else -1
    if field == "expected_close":
        return deal["expected_close"] or "9999-12-31"
    return datetime.fromisoformat(deal[field])


class TestGetDeal:
    async def test_viewer_reads(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        r = await org.viewer.client.get(f"/api/deals/{deal['id']}")
        assert r.status_code == 200
        assert r.json() == deal

    async def test_other_org_gets_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        assert_problem(await other.owner.client.get(f"/api/deals/{deal['id']}"), 404, "not_found")

    async def test_unknown_id_is_404_and_bad_id_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_problem(await org.owner.client.get(f"/api/deals/{uuid.uuid4()}"), 404, "not_found")
        assert_validation(await org.owner.client.get("/api/deals/42"), "deal_id")


class TestUpdateDeal:
    async def test_member_edits_and_moves_stage(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        deal = await create_deal(org.owner.client)
        r = await org.member.client.patch(
            f"/api/deals/{deal['id']}",
            json={
                "name": "Atlas II",
                "stage": "due_diligence",
                "deal_size": {"amount_minor": 500, "currency": "USD"},
                "owner_id": str(org.member.user_id),
                "expected_close": None,
                "industry": "  ",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["name"] == "Atlas II"
        assert body["stage"] == "due_diligence"
        assert body["deal_size"]["display"] == "$5.00"
        assert body["owner"]["id"] == str(org.member.user_id)
        assert body["industry"] is None
        assert body["updated_at"] >= deal["updated_at"]
        actions = await audit_actions(org.owner.client, subject_id=deal["id"])
        assert {"deal.updated", "deal.stage_changed"} <= set(actions)

    async def test_no_change_writes_no_audit(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        r = await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "Atlas"})
        assert r.status_code == 200
        assert await audit_actions(org.owner.client, subject_id=deal["id"]) == ["deal.created"]

    async def test_viewer_gets_403(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        assert_problem(await org.viewer.client.patch(f"/api/deals/{deal['id']}", json={"name": "Z"}), 403)
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).json()["name"] == "Atlas"

    async def test_other_org_gets_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        for actor in (other.owner, other.viewer):
            assert_problem(await actor.client.patch(f"/api/deals/{deal['id']}", json={"name": "Z"}), 404, "not_found")
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).json()["name"] == "Atlas"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": " "}, "name"),
            ({"name": None}, "name"),
            ({"target_company": ""}, "target_company"),
            ({"owner_id": None}, "owner_id"),
            ({"owner_id": "00000000-0000-0000-0000-000000000000"}, "owner_id"),
            ({"stage": "limbo"}, "stage"),
            ({"deal_size": {"amount_minor": 1, "currency": "ZZZ"}}, "deal_size.currency"),
            ({"archived": True}, "archived"),
        ],
    )
    async def test_validation_names_the_field_and_changes_nothing(
        self, orgs: OrgFactory, payload: dict[str, Any], field: str
    ) -> None:
        org = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        r = await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"description": "changed", **payload})
        assert_validation(r, field)
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).json() == deal
        assert await audit_actions(org.owner.client, subject_id=deal["id"]) == ["deal.created"]

    async def test_archived_deal_is_409(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        await org.owner.client.post(f"/api/deals/{deal['id']}/archive")
        assert_problem(
            await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"name": "Z"}), 409, "deal_archived"
        )


class TestDeleteDeal:
    @pytest.mark.parametrize("role", ["owner", "admin"])
    async def test_owner_and_admin_delete(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        deal = await create_deal(org.owner.client)
        r = await org[role].client.delete(f"/api/deals/{deal['id']}")
        assert r.status_code == 204, r.text
        assert_problem(await org.owner.client.get(f"/api/deals/{deal['id']}"), 404)
        assert "deal.deleted" in await audit_actions(org.owner.client, subject_id=deal["id"])

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        deal = await create_deal(org.owner.client)
        assert_problem(await org[role].client.delete(f"/api/deals/{deal['id']}"), 403, "permission_denied")
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).status_code == 200

    async def test_other_org_gets_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        for actor in (other.owner, other.viewer):
            assert_problem(await actor.client.delete(f"/api/deals/{deal['id']}"), 404, "not_found")
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).status_code == 200


class TestArchiveRestore:
    async def test_member_archives_and_restores(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        deal = await create_deal(org.owner.client)
        r = await org.member.client.post(f"/api/deals/{deal['id']}/archive")
        assert r.status_code == 200, r.text
        assert r.json()["archived"] is True
        assert r.json()["archived_at"] is not None
        assert (await org.owner.client.get("/api/deals")).json()["items"] == []
        assert ids((await org.owner.client.get("/api/deals", params={"archived": "true"})).json()["items"]) == [
            deal["id"]
        ]
        r = await org.member.client.post(f"/api/deals/{deal['id']}/restore")
        assert r.status_code == 200, r.text
        assert r.json()["archived"] is False
        assert ids((await org.owner.client.get("/api/deals")).json()["items"]) == [deal["id"]]
        actions = await audit_actions(org.owner.client, subject_id=deal["id"])
        assert {"deal.archived", "deal.restored"} <= set(actions)

    @pytest.mark.parametrize("action", ["archive", "restore"])
    async def test_viewer_gets_403(self, orgs: OrgFactory, action: str) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        if action == "restore":
            await org.owner.client.post(f"/api/deals/{deal['id']}/archive")
        assert_problem(await org.viewer.client.post(f"/api/deals/{deal['id']}/{action}"), 403, "permission_denied")

    @pytest.mark.parametrize("action", ["archive", "restore"])
    async def test_other_org_gets_404(self, orgs: OrgFactory, action: str) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner", "viewer"))
        deal = await create_deal(org.owner.client)
        if action == "restore":
            await org.owner.client.post(f"/api/deals/{deal['id']}/archive")
        for actor in (other.owner, other.viewer):
            assert_problem(await actor.client.post(f"/api/deals/{deal['id']}/{action}"), 404, "not_found")
        assert (await org.owner.client.get(f"/api/deals/{deal['id']}")).json()["archived"] is (action == "restore")


class TestDealHistory:
    async def test_lists_created_and_stage_changes_newest_first(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        deal = await create_deal(org.member.client)
        other_deal = await create_deal(org.member.client, name="Other")
        for stage in ("screening", "due_diligence"):
            r = await org.member.client.patch(f"/api/deals/{deal['id']}", json={"stage": stage})
            assert r.status_code == 200
        await org.member.client.patch(f"/api/deals/{other_deal['id']}", json={"stage": "won"})
        r = await org.viewer.client.get(f"/api/deals/{deal['id']}/history")
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [e["action"] for e in items] == ["deal.stage_changed", "deal.stage_changed", "deal.created"]
        assert items[0]["data"] == {"from": "screening", "to": "due_diligence"}
        assert items[1]["data"] == {"from": "sourcing", "to": "screening"}
        assert items[-1]["data"]["name"] == "Atlas"
        assert all(org.member.email in e["actor"] for e in items)
        assert set(items[0]) == {"id", "action", "actor", "data", "created_at"}

    async def test_other_org_gets_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        assert_problem(await other.owner.client.get(f"/api/deals/{deal['id']}/history"), 404, "not_found")

    async def test_deleted_deal_history_is_404(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        await org.owner.client.delete(f"/api/deals/{deal['id']}")
        assert_problem(await org.owner.client.get(f"/api/deals/{deal['id']}/history"), 404)


class TestStagesCycle:
    async def test_every_stage_is_accepted(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        deal = await create_deal(org.owner.client)
        for prev, stage in itertools.pairwise(["sourcing", *STAGES[1:]]):
            r = await org.owner.client.patch(f"/api/deals/{deal['id']}", json={"stage": stage})
            assert r.status_code == 200, (prev, stage, r.text)
            assert r.json()["stage"] == stage


class TestMalformedDealId:
    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("GET", "", None),
            ("PATCH", "", {"name": "x"}),
            ("DELETE", "", None),
            ("POST", "/archive", None),
            ("POST", "/restore", None),
            ("GET", "/history", None),
        ],
    )
    async def test_is_422_naming_deal_id(
        self, orgs: OrgFactory, method: str, suffix: str, body: dict[str, str] | None
    ) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(
            await org.owner.client.request(method, f"/api/deals/not-a-uuid{suffix}", json=body), "deal_id"
        )

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [("GET", "", None), ("PATCH", "", {"name": "x"}), ("DELETE", "", None), ("POST", "/archive", None),
         ("POST", "/restore", None), ("GET", "/history", None)],
    )  # fmt: skip
    async def test_unknown_id_is_404(
        self, orgs: OrgFactory, method: str, suffix: str, body: dict[str, str] | None
    ) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.request(method, f"/api/deals/{uuid.uuid4()}{suffix}", json=body)
        assert_problem(r, 404, "not_found")
