"""The storage interface, its errors and the rule for keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_SIZE = 256 * 1024
MAX_KEY_LENGTH = 512
# A segment starts with a letter or digit, so ".", "..", hidden and temporary names are impossible.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class StorageError(Exception):
    pass


class InvalidKey(StorageError, ValueError):
    pass


class ObjectNotFound(StorageError, LookupError):
    pass


def check_key(key: str) -> str:
    """Return `key` if it is safe on every backend: `org/1234/exports/report.pdf`; else raise InvalidKey."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"a key has 1 to {MAX_KEY_LENGTH} characters: {key[:40]!r}")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(f"key segment {segment[:40]!r} is not allowed (letters, digits, '.', '_', '-')")
    return key


@dataclass(frozen=True)
class OpenedFile:
    """A file being read: its size, and its content in chunks (the handle closes when they end)."""

    size: int
    chunks: AsyncIterator[bytes]


class Storage(Protocol):
    """Bytes under keys. Writing a key that exists replaces it; deleting a missing key is fine."""

    async def start(self) -> None:
        """Prepare the backend (create the directory, or the bucket when configured to)."""

    async def close(self) -> None:
        """Release connections (at shutdown)."""

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None: ...

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        """Store a file from disk without reading it into memory (large exports)."""

    async def read(self, key: str) -> bytes: ...

    async def open(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> OpenedFile:
        """Start reading a (large) file in chunks; raises ObjectNotFound at once when missing."""

    async def size(self, key: str) -> int: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...
