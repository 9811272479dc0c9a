"""CSV streamed as byte chunks, with cells a spreadsheet cannot turn into formulas.

Named so it does not shadow the standard library's `csv`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

BOM = "\ufeff".encode()
CHUNK_BYTES = 64 * 1024
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text, prefixed with ' when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe_row(row: Sequence[Any]) -> list[str]:
    return list(map(safe_cell, row))


class _RowEncoder:
    """Turns rows into UTF-8 bytes and hands them out in chunks of about CHUNK_BYTES."""

    def __init__(self, chunk_bytes: int) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._chunk_chars = chunk_bytes

    def add(self, row: Sequence[Any]) -> bytes | None:
        self._writer.writerow([safe_cell(v) for v in row])
        return self.take() if self._buffer.tell() >= self._chunk_chars else None

    def add_many(self, rows: Iterable[Sequence[Any]], *, escaped: bool = False) -> bytes | None:
        self._writer.writerows(rows if escaped else map(_safe_row, rows))
        return self.take() if self._buffer.tell() >= self._chunk_chars else None

    def take(self) -> bytes:
        data = self._buffer.getvalue().encode()
        self._buffer.seek(0)
        self._buffer.truncate()
        return data


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """The header, then every row, as UTF-8 byte chunks (with a BOM first, for Excel, when asked)."""
    encoder = _RowEncoder(chunk_bytes)
    first = encoder.add(header) or encoder.take()  # the header goes out at once: the download starts
    yield (BOM + first) if bom else first
    for row in rows:
        if chunk := encoder.add(row):
            yield chunk
    if tail := encoder.take():
        yield tail


async def acsv_chunks(
    header: Sequence[str],
    rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]],
    *,
    bom: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
) -> AsyncIterator[bytes]:
    """`csv_chunks` for rows that arrive asynchronously (a streamed query)."""
    encoder = _RowEncoder(chunk_bytes)
    first = encoder.add(header) or encoder.take()
    yield (BOM + first) if bom else first
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            if chunk := encoder.add(row):
                yield chunk
    else:
        for row in rows:
            if chunk := encoder.add(row):
                yield chunk
    if tail := encoder.take():
        yield tail


async def acsv_batches(
    header: Sequence[str],
    batches: AsyncIterable[Sequence[Sequence[Any]]],
    *,
    bom: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
    escaped: bool = False,
) -> AsyncIterator[bytes]:
    """`acsv_chunks` for rows fetched a batch at a time (a large streamed query): one await per batch
    instead of one per row. `escaped=True` when the caller already passed every cell a person can
    write through `safe_cell` (hot exports skip it on generated ids, times and numbers)."""
    encoder = _RowEncoder(chunk_bytes)
    first = encoder.add(header) or encoder.take()
    yield (BOM + first) if bom else first
    async for batch in batches:
        if chunk := encoder.add_many(batch, escaped=escaped):
            yield chunk
    if tail := encoder.take():
        yield tail
