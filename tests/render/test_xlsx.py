"""XLSX output read back with openpyxl: header, formats, types, no formulas, many rows."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from mandate.kit.money import Money
from mandate.render.xlsx import Column, ColumnFormat, write_xlsx, xlsx_bytes

COLUMNS = [
    Column("Deal"),
    Column("Closed", ColumnFormat.DATE),
    Column("Updated", ColumnFormat.DATETIME),
    Column("Size", ColumnFormat.MONEY),
    Column("Stake", ColumnFormat.PERCENT),
    Column("Bidders", ColumnFormat.INTEGER),
]


def open_sheet(data: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def row_values(sheet: Worksheet, row: int) -> list[Any]:
    return [c.value for c in sheet[row]]


class TestXlsx:
    def test_header_is_bold_frozen_and_filtered(self) -> None:
        sheet = open_sheet(xlsx_bytes(COLUMNS, [["Atlas", None, None, None, None, 3]], sheet="Pipeline"))
        assert sheet.title == "Pipeline"
        assert row_values(sheet, 1) == ["Deal", "Closed", "Updated", "Size", "Stake", "Bidders"]
        assert all(cell.font.b for cell in sheet[1])
        assert not sheet["A2"].font.b
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == "A1:F2"

    def test_values_keep_their_types_and_formats(self) -> None:
        updated = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
        row = ["Atlas", date(2026, 3, 31), updated, Decimal("12500000.50"), 0.25, 3]
        sheet = open_sheet(xlsx_bytes(COLUMNS, [row]))
        a, closed, when, size, stake, bidders = sheet[2]
        assert a.value == "Atlas"
        assert closed.value == datetime(2026, 3, 31) and closed.number_format == "yyyy-mm-dd"
        assert when.value == datetime(2026, 3, 1, 8, 30)  # written in UTC
        assert when.number_format == "yyyy-mm-dd hh:mm"
        assert size.value == pytest.approx(12500000.50) and size.number_format == "#,##0.00"
        assert stake.value == 0.25 and stake.number_format == "0.0%"
        assert bidders.value == 3 and bidders.number_format == "#,##0"

    def test_money_values_carry_their_currency(self) -> None:
        rows = [["A", None, None, Money(1_250_000_00, "GBP")], ["B", None, None, Money(900_000, "JPY")]]
        sheet = open_sheet(xlsx_bytes(COLUMNS[:4], rows))
        assert sheet["D2"].value == 1_250_000 and sheet["D2"].number_format == '#,##0.00 "GBP"'
        assert sheet["D3"].value == 900_000 and sheet["D3"].number_format == '#,##0 "JPY"'

    @pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://evil.example")', "http://x.example", "0012"])
    def test_text_is_never_a_formula_link_or_number(self, text: str) -> None:
        sheet = open_sheet(xlsx_bytes([Column("Name")], [[text]]))
        assert sheet["A2"].value == text
        assert sheet["A2"].data_type == "s"
        assert sheet["A2"].hyperlink is None

    def test_booleans_and_blanks(self) -> None:
        sheet = open_sheet(xlsx_bytes([Column("a"), Column("b"), Column("c")], [[True, None, ""]]))
        assert row_values(sheet, 2)[:2] == [True, None]

    def test_dates_without_a_declared_format_still_read_as_dates(self) -> None:
        sheet = open_sheet(xlsx_bytes([Column("when")], [[datetime(2026, 1, 2, 3, 4, tzinfo=UTC)]]))
        assert sheet["A2"].value == datetime(2026, 1, 2, 3, 4)
        assert sheet["A2"].is_date

    def test_many_rows_to_a_file(self, tmp_path: Path) -> None:
        target = tmp_path / "export.xlsx"
        rows = ([f"Deal {i}", date(2026, 1, 1) + timedelta(days=i % 365), None, i * 1000, None, i] for i in range(5000))
        assert write_xlsx(target, COLUMNS, rows) == 5000
        sheet = openpyxl.load_workbook(target, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert len(values) == 5001
        assert values[4999] == (
            "Deal 4998",
            datetime(2026, 1, 1) + timedelta(days=4998 % 365),
            None,
            4998000,
            None,
            4998,
        )

    def test_long_sheet_name_is_cut_to_excels_limit(self) -> None:
        sheet = open_sheet(xlsx_bytes([Column("a")], [], sheet="A very long sheet name for valuations export"))
        assert sheet.title == "A very long sheet name for valu"
