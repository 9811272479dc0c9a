"""Rows -> XLSX with XlsxWriter in constant-memory mode (rows are written and forgotten one by one)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from mandate.kit.money import CURRENCIES, Money

MAX_SHEET_NAME = 31


class ColumnFormat(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"


_NUMBER_FORMATS = {
    ColumnFormat.TEXT: "@",
    ColumnFormat.INTEGER: "#,##0",
    ColumnFormat.DECIMAL: "#,##0.00",
    ColumnFormat.MONEY: "#,##0.00",
    ColumnFormat.PERCENT: "0.0%",
    ColumnFormat.DATE: "yyyy-mm-dd",
    ColumnFormat.DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    header: str
    format: ColumnFormat | None = None
    width: float | None = None  # in characters; default from the header and the format


def write_xlsx(
    target: Path | io.BytesIO, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1"
) -> int:
    """Write the sheet to a path or a buffer; return the number of data rows."""
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target,
        # Strings stay strings: no formulas, URLs or numbers guessed from cell text.
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        worksheet = workbook.add_worksheet(sheet[:MAX_SHEET_NAME])
        formats = _Formats(workbook, columns)
        _write_header(worksheet, columns, workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#EEF1F5"}))
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                _write_cell(worksheet, count, col, value, formats)
        if columns:
            worksheet.autofilter(0, 0, count, len(columns) - 1)
    finally:
        workbook.close()
    return count


def xlsx_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, columns, rows, sheet=sheet)
    return buffer.getvalue()


def _write_header(worksheet: Worksheet, columns: Sequence[Column], bold: Format) -> None:
    worksheet.freeze_panes(1, 0)
    for col, column in enumerate(columns):
        worksheet.set_column(col, col, column.width or _default_width(column))
        worksheet.write_string(0, col, column.header, bold)


_MIN_WIDTHS = {ColumnFormat.DATETIME: 17, ColumnFormat.DATE: 11, ColumnFormat.MONEY: 16}


def _default_width(column: Column) -> float:
    minimum = _MIN_WIDTHS.get(column.format, 10) if column.format else 10
    return float(max(minimum, min(len(column.header) + 2, 60)))


class _Formats:
    """One workbook format per column, and per currency for money cells (created once, reused)."""

    def __init__(self, workbook: xlsxwriter.Workbook, columns: Sequence[Column]) -> None:
        self._workbook = workbook
        self._by_column = [
            workbook.add_format({"num_format": _NUMBER_FORMATS[c.format]}) if c.format else None for c in columns
        ]
        self._columns = columns
        self._money: dict[str, Format] = {}
        self._fallback: dict[ColumnFormat, Format] = {}

    def column(self, col: int) -> Format | None:
        return self._by_column[col] if col < len(self._by_column) else None

    def kind(self, col: int) -> ColumnFormat | None:
        return self._columns[col].format if col < len(self._columns) else None

    def money(self, currency: str) -> Format:
        if currency not in self._money:
            decimals = CURRENCIES.get(currency, 2)
            number = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._money[currency] = self._workbook.add_format({"num_format": f'{number} "{currency}"'})
        return self._money[currency]

    def default(self, kind: ColumnFormat) -> Format:
        """A date in a column declared without a date format still needs one to show as a date."""
        if kind not in self._fallback:
            self._fallback[kind] = self._workbook.add_format({"num_format": _NUMBER_FORMATS[kind]})
        return self._fallback[kind]


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, formats: _Formats) -> None:
    fmt = formats.column(col)
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, Money):
        major = Decimal(value.amount_minor).scaleb(-CURRENCIES.get(value.currency, 2))
        ws.write_number(row, col, float(major), formats.money(value.currency))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime):
        # Excel has no time zones: aware times are written in UTC.
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        ws.write_datetime(row, col, naive, _date_format(formats, col, ColumnFormat.DATETIME))
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, _date_format(formats, col, ColumnFormat.DATE))
    else:
        ws.write_string(row, col, str(value), fmt)


def _date_format(formats: _Formats, col: int, kind: ColumnFormat) -> Format:
    if formats.kind(col) in (ColumnFormat.DATE, ColumnFormat.DATETIME):
        fmt = formats.column(col)
        assert fmt is not None
        return fmt
    return formats.default(kind)
