"""The attendee list (filters, sorts, cursors) and its CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mandate.event.models import Attendee
from mandate.kit.tenancy import set_organization
from mandate.render.csvstream import safe_cell
from tests.event.attendees.conftest import Setup, make_ticket_type
from tests.helpers.api import assert_validation

pytestmark = pytest.mark.anyio
BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def insert_attendees(app: Any, s: Setup, rows: list[dict[str, Any]]) -> list[Attendee]:
    attendees = [
        Attendee(
            id=uuid.uuid4(),
            organization_id=s.org.id,
            event_id=s.event.id,
            ticket_type_id=row.pop("ticket_type_id", s.ticket_type.id),
            checkin_code=uuid.uuid4().hex,
            status=row.pop("status", "registered"),
            email=row.pop("email", f"{uuid.uuid4().hex[:8]}@example.com"),
            **row,
        )
        for row in rows
    ]
    async with app.state.session_factory() as session:
        set_organization(session, s.org.id)
        session.add_all(attendees)
        await session.commit()
    return attendees


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


class TestListAttendees:
    async def test_sorts_page_through_every_row_once(self, app: Any, setup: Setup) -> None:
        names = ["bea", "Abe", "cy", "abe", "Dot", "eve", "Fay"]
        await insert_attendees(
            app, setup, [{"name": n, "registered_at": BASE + timedelta(minutes=i // 2)} for i, n in enumerate(names)]
        )
        path = f"{setup.base}/attendees"
        for sort in ("name", "-name", "registered_at", "-registered_at", "status", "-status"):
            items = await all_pages(setup.org.viewer.client, path, sort=sort, limit=2)
            assert len({i["id"] for i in items}) == len(names), sort
        by_name = [i["name"].lower() for i in await all_pages(setup.org.viewer.client, path, sort="name", limit=3)]
        assert by_name == sorted(by_name)

    async def test_filters(self, app: Any, setup: Setup) -> None:
        vip = await make_ticket_type(app, setup.org.id, setup.event.id, name="VIP")
        await insert_attendees(
            app,
            setup,
            [
                {"name": "Ada", "company": "Engines Ltd", "registered_at": BASE},
                {
                    "name": "Bob",
                    "status": "checked_in",
                    "checked_in_at": BASE,
                    "registered_at": BASE + timedelta(days=1),
                },
                {
                    "name": "Cy",
                    "status": "cancelled",
                    "ticket_type_id": vip.id,
                    "registered_at": BASE + timedelta(days=2),
                },
                {"name": "Di_%", "email": "di@engines.example", "registered_at": BASE + timedelta(days=3)},
            ],
        )
        path = f"{setup.base}/attendees"

        async def names(**params: Any) -> list[str]:
            r = await setup.org.viewer.client.get(path, params={"sort": "name", **params})
            assert r.status_code == 200, r.text
            return [i["name"] for i in r.json()["items"]]

        assert await names(status="cancelled") == ["Cy"]
        assert await names(ticket_type_id=str(vip.id)) == ["Cy"]
        assert await names(checked_in="true") == ["Bob"]
        assert await names(checked_in="false") == ["Ada", "Cy", "Di_%"]
        assert await names(q="ENGINES") == ["Ada", "Di_%"]
        assert await names(q="_%") == ["Di_%"]
        assert await names(registered_from="2026-03-02T00:00:00Z", registered_to="2026-03-04T00:00:00Z") == [
            "Bob",
            "Cy",
        ]

    async def test_bad_filters_name_the_field(self, setup: Setup) -> None:
        path = f"{setup.base}/attendees"
        assert_validation(await setup.org.viewer.client.get(path, params={"status": "vip"}), "status")
        assert_validation(
            await setup.org.viewer.client.get(path, params={"registered_from": "2026-03-01T00:00"}), "registered_from"
        )
        assert_validation(await setup.org.viewer.client.get(path, params={"cursor": "garbage"}), "cursor")
        assert_validation(await setup.org.viewer.client.get(path, params={"limit": 500}), "limit")

    async def test_a_page_costs_a_fixed_number_of_queries(
        self, app: Any, setup: Setup, assert_query_count: Any
    ) -> None:
        await insert_attendees(app, setup, [{"name": f"N{i}"} for i in range(60)])
        with assert_query_count.expect(6):
            r = await setup.org.viewer.client.get(f"{setup.base}/attendees", params={"limit": 50})
        assert len(r.json()["items"]) == 50


def _parse(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class TestExportAttendees:
    async def test_streams_the_filtered_rows_as_csv(self, app: Any, setup: Setup) -> None:
        await insert_attendees(
            app,
            setup,
            [
                {"name": '=HYPERLINK("http://evil")', "company": "+44 20", "registered_at": BASE},
                {"name": "-2+3", "job_title": "@SUM(A1)", "registered_at": BASE + timedelta(minutes=1)},
                {"name": 'Zoë, "quoted"', "status": "cancelled", "registered_at": BASE + timedelta(minutes=2)},
            ],
        )
        response = await setup.org.viewer.client.get(f"{setup.base}/attendees/export", params={"format": "csv"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == f'attachment; filename="attendees-{setup.event.slug}.csv"'
        rows = _parse(response)
        assert rows[0][:7] == ["id", "name", "email", "company", "job_title", "ticket_type", "status"]
        assert [r[1] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")', "'-2+3", 'Zoë, "quoted"']
        assert rows[1][3] == "'+44 20"
        assert rows[2][4] == "'@SUM(A1)"
        assert rows[3][5] == setup.ticket_type.name
        filtered = _parse(
            await setup.org.viewer.client.get(f"{setup.base}/attendees/export", params={"status": "cancelled"})
        )
        assert [r[1] for r in filtered[1:]] == ['Zoë, "quoted"']

    async def test_ids_times_and_numbers_read_the_same_on_every_database(self, app: Any, setup: Setup) -> None:
        # PostgreSQL writes the file with COPY, SQLite through Python: the cells must not differ.
        checked_in = BASE + timedelta(seconds=5, microseconds=250)
        ada, bo = await insert_attendees(
            app,
            setup,
            [
                {"name": "Ada", "status": "checked_in", "registered_at": BASE, "checked_in_at": checked_in},
                {"name": "Bo", "status": "waitlisted", "registered_at": BASE, "waitlist_seq": 7, "company": "\tTab"},
            ],
        )
        rows = _parse(await setup.org.viewer.client.get(f"{setup.base}/attendees/export", params={"sort": "name"}))
        assert rows[1][0] == str(ada.id) and rows[2][0] == str(bo.id)
        assert rows[1][8:12] == [BASE.isoformat(), checked_in.isoformat(), "", ""]
        assert rows[1][6] == "checked_in" and rows[2][11] == "7"
        assert rows[2][3] == "'\tTab"
        assert rows[1][12] == safe_cell(ada.checkin_code)

    async def test_many_rows_cross_batches_in_order(self, app: Any, setup: Setup) -> None:
        await insert_attendees(
            app, setup, [{"name": f"P{i:05d}", "registered_at": BASE + timedelta(seconds=i // 3)} for i in range(4500)]
        )
        rows = _parse(await setup.org.viewer.client.get(f"{setup.base}/attendees/export", params={"sort": "name"}))
        assert [r[1] for r in rows[1:]] == [f"P{i:05d}" for i in range(4500)]

    async def test_another_format_names_the_field(self, setup: Setup) -> None:
        response = await setup.org.viewer.client.get(f"{setup.base}/attendees/export", params={"format": "xlsx"})
        assert_validation(response, "format")
