"""Fault injection for a worker subprocess: the first file a worker stores, it stores and then hangs
(until the test kills the process), so the export dies after its file is written and before its
transaction commits. Imported only by the worker command of the kill test."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from mandate.storage.local import LocalStorage

MARKER_ENV = "MANDATE_TEST_STALL_MARKER"
_put_bytes = LocalStorage.put_bytes


async def _put_then_stall(self: LocalStorage, key: str, data: bytes, **kwargs: Any) -> None:
    await _put_bytes(self, key, data, **kwargs)
    marker = Path(os.environ[MARKER_ENV])
    if not marker.exists():
        marker.write_text(key)
        await asyncio.sleep(3600)


if MARKER_ENV in os.environ:  # never in the test process itself
    LocalStorage.put_bytes = _put_then_stall  # type: ignore[method-assign]
