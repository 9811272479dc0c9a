"""CSV output: formula escaping (table-driven), quoting, BOM, chunking; every result parsed back."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from mandate.render.csvstream import BOM, acsv_batches, acsv_chunks, csv_chunks, safe_cell

pytestmark = pytest.mark.anyio

# (cell given, cell a spreadsheet user sees in the file)
CELLS: list[tuple[Any, str]] = [
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    (-5, "'-5"),
    (Decimal("-12.50"), "'-12.50"),
    ("a=b", "a=b"),
    (" =x", " =x"),
    ("x-1", "x-1"),
    ("", ""),
    (None, ""),
    (12, "12"),
    (Decimal("1234.50"), "1234.50"),
    (True, "True"),
    (date(2026, 3, 1), "2026-03-01"),
    (datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "2026-03-01T09:30:00+00:00"),
    ('say "hi", then\nleave', 'say "hi", then\nleave'),
    ("naïve café 東京", "naïve café 東京"),
]


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


class TestSafeCell:
    @pytest.mark.parametrize(("given", "expected"), CELLS, ids=[repr(c[0])[:30] for c in CELLS])
    def test_cell(self, given: Any, expected: str) -> None:
        assert safe_cell(given) == expected

    @pytest.mark.parametrize(("given", "expected"), CELLS, ids=[repr(c[0])[:30] for c in CELLS])
    def test_cell_survives_a_round_trip_through_csv(self, given: Any, expected: str) -> None:
        data = b"".join(csv_chunks(["value", "next"], [[given, "end"]]))
        assert parse(data) == [["value", "next"], [expected, "end"]]


class TestCsvChunks:
    def test_header_is_escaped_too(self) -> None:
        assert parse(b"".join(csv_chunks(["=bad", "ok"], []))) == [["'=bad", "ok"]]

    def test_without_bom_by_default(self) -> None:
        data = b"".join(csv_chunks(["a"], [["b"]]))
        assert data == b"a\r\nb\r\n"

    def test_bom_comes_first_once(self) -> None:
        chunks = list(csv_chunks(["a"], [["b"]] * 3, bom=True))
        data = b"".join(chunks)
        assert data.startswith(BOM) and data.count(BOM) == 1
        assert parse(data[len(BOM) :]) == [["a"], ["b"], ["b"], ["b"]]
        assert data.decode("utf-8-sig").splitlines()[0] == "a"

    def test_header_is_sent_before_any_row_is_read(self) -> None:
        def rows() -> Any:
            raise AssertionError("rows were read before the header went out")
            yield []

        first = next(csv_chunks(["a", "b"], rows()))
        assert first == b"a,b\r\n"

    def test_many_rows_come_in_bounded_chunks(self) -> None:
        rows = [[i, f"name {i}", "=x" if i % 7 == 0 else "y"] for i in range(20_000)]
        chunks = list(csv_chunks(["id", "name", "flag"], rows, chunk_bytes=8 * 1024))
        assert len(chunks) > 20
        assert max(len(c) for c in chunks) < 9 * 1024
        parsed = parse(b"".join(chunks))
        assert len(parsed) == 20_001
        assert parsed[8] == ["7", "name 7", "'=x"]
        assert parsed[-1] == ["19999", "name 19999", "'=x"]  # 19999 = 7 * 2857
        assert parsed[-2] == ["19998", "name 19998", "y"]

    def test_multibyte_text_is_never_split_inside_a_character(self) -> None:
        rows: list[Sequence[Any]] = [["東京" * 50]] * 200
        for chunk in csv_chunks(["city"], rows, chunk_bytes=1000):
            chunk.decode("utf-8")  # each chunk decodes alone


class TestAsyncCsvChunks:
    async def test_async_rows(self) -> None:
        async def rows() -> AsyncIterator[list[Any]]:
            for i in range(3):
                yield [i, "@x"]

        data = b"".join([c async for c in acsv_chunks(["n", "v"], rows(), bom=True)])
        assert parse(data[len(BOM) :]) == [["n", "v"], ["0", "'@x"], ["1", "'@x"], ["2", "'@x"]]

    async def test_plain_iterable_rows(self) -> None:
        data = b"".join([c async for c in acsv_chunks(["n"], [["-1"], ["2"]])])
        assert parse(data) == [["n"], ["'-1"], ["2"]]


class TestAsyncCsvBatches:
    async def test_batches_are_escaped_unless_the_caller_did(self) -> None:
        async def batches() -> AsyncIterator[list[list[Any]]]:
            yield [[1, "=1+1"], [2, "ok"]]
            yield [[3, "+x"]]

        data = b"".join([c async for c in acsv_batches(["n", "v"], batches(), bom=True, chunk_bytes=8)])
        assert data.startswith(BOM)
        assert parse(data[len(BOM) :]) == [["n", "v"], ["1", "'=1+1"], ["2", "ok"], ["3", "'+x"]]
        trusted = b"".join([c async for c in acsv_batches(["v"], batches(), escaped=True)])
        assert parse(trusted)[1:] == [["1", "=1+1"], ["2", "ok"], ["3", "+x"]]
