"""The audit log over the JSON API: who may read it, filters, paging, tenancy, CSV export."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import httpx
import pytest

from mandate.kit.pagination import Cursor, encode_cursor
from tests.helpers.api import assert_problem, assert_validation, create_deal
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


async def entries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/api/audit", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def read_csv(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


class TestListAudit:
    @pytest.mark.parametrize("role", ["owner", "admin"])
    async def test_owner_and_admin_read_their_log(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", "admin", "member"))
        deal = await create_deal(org.member.client)
        items = await entries(org[role].client)
        created = next(e for e in items if e["action"] == "deal.created")
        assert set(created) == {
            "id", "organization_id", "created_at", "actor", "actor_user_id", "actor_token_id",
            "action", "subject_type", "subject_id", "data", "request_id", "ip",
        }  # fmt: skip
        assert created["organization_id"] == str(org.id)
        assert created["subject_type"] == "deal"
        assert created["subject_id"] == deal["id"]
        assert created["actor_user_id"] == str(org.member.user_id)
        assert created["actor_token_id"] is not None
        assert org.member.email in created["actor"]
        assert created["data"] == {"name": "Atlas", "stage": "sourcing"}
        assert created["request_id"]
        assert "organization.created" in {e["action"] for e in items}
        times = [e["created_at"] for e in items]
        assert times == sorted(times, reverse=True)

    async def test_request_id_is_the_one_sent(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        r = await org.owner.client.post(
            "/api/deals", json={"name": "A", "target_company": "B"}, headers={"X-Request-ID": "trace-1234"}
        )
        assert r.headers["x-request-id"] == "trace-1234"
        created = (await entries(org.owner.client, action="deal.created"))[0]
        assert created["request_id"] == "trace-1234"

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        assert_problem(await org[role].client.get("/api/audit"), 403, "permission_denied")

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/audit"), 401)

    async def test_other_orgs_entries_never_appear(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        theirs = await create_deal(other.owner.client, name="Secret")
        items = await entries(org.owner.client)
        assert {e["organization_id"] for e in items} == {str(org.id)}
        assert await entries(org.owner.client, subject_id=theirs["id"]) == []
        assert await entries(org.owner.client, actor=other.owner.email) == []

    async def test_filters(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"))
        first = await create_deal(org.member.client, name="First")
        second = await create_deal(org.owner.client, name="Second")
        await org.member.client.patch(f"/api/deals/{first['id']}", json={"stage": "screening"})
        token = (await org.owner.client.post("/api/tokens", json={"name": "robot"})).json()

        def actions(items: list[dict[str, Any]]) -> list[str]:
            return sorted(e["action"] for e in items)

        assert actions(await entries(org.owner.client, action="deal")) == [
            "deal.created", "deal.created", "deal.stage_changed",
        ]  # fmt: skip
        assert actions(await entries(org.owner.client, action="deal.created")) == ["deal.created", "deal.created"]
        assert await entries(org.owner.client, action="dea") == []
        member_items = await entries(org.owner.client, actor=org.member.email.upper())
        assert member_items and all(e["actor_user_id"] == str(org.member.user_id) for e in member_items)
        assert actions(await entries(org.owner.client, subject_type="api_token", action="api_token.created")) == [
            "api_token.created", "api_token.created", "api_token.created",
        ]  # fmt: skip
        assert [
            e["subject_id"] for e in await entries(org.owner.client, subject_type="api_token", subject_id=token["id"])
        ] == [token["id"]]
        assert actions(await entries(org.owner.client, subject_id=first["id"])) == [
            "deal.created",
            "deal.stage_changed",
        ]
        assert actions(await entries(org.owner.client, subject_id=second["id"], actor="nobody")) == []
        assert await entries(org.owner.client, actor="%") == []
        assert await entries(org.owner.client, actor="_") == []

    async def test_since_and_until(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        for name in ("A", "B", "C"):
            await create_deal(org.owner.client, name=name)
        created = await entries(org.owner.client, action="deal.created")
        newest, middle, oldest = created
        assert [e["data"]["name"] for e in created] == ["C", "B", "A"]
        since = await entries(org.owner.client, action="deal.created", since=middle["created_at"])
        assert [e["id"] for e in since] == [newest["id"], middle["id"]]
        until = await entries(org.owner.client, action="deal.created", until=middle["created_at"])
        assert [e["id"] for e in until] == [oldest["id"]]
        window = await entries(
            org.owner.client, action="deal.created", since=middle["created_at"], until=newest["created_at"]
        )
        assert [e["id"] for e in window] == [middle["id"]]

    async def test_pages_through_every_entry_once(self, orgs: OrgFactory) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))
        for i in range(6):
            await create_deal(org.owner.client, name=f"Deal {i}")
        everything = await entries(org.owner.client)
        seen: list[str] = []
        cursor = None
        for _ in range(50):
            params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            r = await org.owner.client.get("/api/audit", params=params)
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["items"]) <= 4
            seen.extend(e["id"] for e in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [e["id"] for e in everything]
        assert len(seen) >= 8

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"since": "yesterday"}, "since"),
            ({"since": "2026-01-01T00:00:00"}, "since"),
            ({"until": "2026-01-01T00:00:00"}, "until"),
            ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
            ({"limit": "0"}, "limit"),
            ({"limit": "500"}, "limit"),
            ({"cursor": "%%%"}, "cursor"),
            ({"cursor": encode_cursor(Cursor("-created_at", "2026-01-01T00:00:00", str(uuid.uuid4())))}, "cursor"),
            ({"cursor": encode_cursor(Cursor("-created_at", 17, str(uuid.uuid4())))}, "cursor"),
            ({"cursor": encode_cursor(Cursor("-created_at", "2026-01-01T00:00:00Z", "nope"))}, "cursor"),
            ({"cursor": encode_cursor(Cursor("name", "x", str(uuid.uuid4())))}, "cursor"),
            ({"action": "x" * 81}, "action"),
        ],
    )
    async def test_bad_query_is_422(self, orgs: OrgFactory, params: dict[str, str], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.get("/api/audit", params=params), field)


class TestExportAudit:
    async def test_csv_of_the_filtered_log(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "admin"))
        deal = await create_deal(org.owner.client, name="Atlas")
        r = await org.admin.client.get("/api/audit/export", params={"action": "deal"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"] == f'attachment; filename="audit-{org.slug}.csv"'
        rows = read_csv(r)
        assert rows[0] == ["time_utc", "actor", "action", "subject_type", "subject_id", "data", "request_id", "ip"]
        assert len(rows) == 2
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["action"] == "deal.created"
        assert row["subject_id"] == deal["id"]
        assert json.loads(row["data"]) == {"name": "Atlas", "stage": "sourcing"}

    @pytest.mark.parametrize("role", ["member", "viewer"])
    async def test_member_and_viewer_get_403(self, orgs: OrgFactory, role: str) -> None:
        org = await orgs.create(roles=("owner", role))
        assert_problem(await org[role].client.get("/api/audit/export"), 403, "permission_denied")

    async def test_other_orgs_rows_never_appear(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        other = await orgs.create(roles=("owner",))
        theirs = await create_deal(other.owner.client, name="Secret")
        body = (await org.owner.client.get("/api/audit/export")).text
        assert theirs["id"] not in body
        assert other.owner.email not in body
        assert "Secret" not in body

    async def test_bad_filter_is_422(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        assert_validation(await org.owner.client.get("/api/audit/export", params={"since": "soon"}), "since")

    @pytest.mark.parametrize("email", ["=cmd@evil.example", "+sum@evil.example", "-minus@evil.example"])
    async def test_formula_cells_are_escaped(self, orgs: OrgFactory, email: str) -> None:
        """An actor whose address starts with a formula character cannot inject a formula."""
        browser = orgs.client()
        r = await browser.post(
            "/api/auth/signup",
            json={
                "email": email,
                "password": "plum-orchard-ledger-42",
                "full_name": "Eve",
                "organization_name": '=HYPERLINK("http://evil.example")',
            },
        )
        assert r.status_code == 201, r.text
        browser.headers["X-CSRF-Token"] = browser.cookies["mandate_csrf"]
        export = await browser.get("/api/audit/export")
        assert export.status_code == 200, export.text
        rows = read_csv(export)[1:]
        actors = {row[1] for row in rows}
        assert actors == {"'" + email}
        for row in rows:
            assert not row[1].startswith(("=", "+", "-", "@"))
