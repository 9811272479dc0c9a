"""Files in a directory on local disk (the embedded mode: `data/files`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO

from mandate.storage.base import CHUNK_SIZE, InvalidKey, ObjectNotFound, OpenedFile, check_key


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, key: str) -> Path:
        path = self._root / check_key(key)
        # The key rule already forbids "..": this also catches a symlink planted inside the root.
        if not path.resolve().is_relative_to(self._root):
            raise InvalidKey(f"key {key!r} leaves the storage directory")
        return path

    async def start(self) -> None:
        await asyncio.to_thread(self._root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        pass

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self.path_for(key)
        await asyncio.to_thread(_replace, path, lambda f: f.write(data))

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        target = self.path_for(key)

        def copy(f: BinaryIO) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, f, CHUNK_SIZE)

        await asyncio.to_thread(_replace, target, copy)

    async def read(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None

    async def open(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> OpenedFile:
        path = self.path_for(key)
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        # The size of the handle we read, not of the path: a concurrent overwrite renames a new file in.
        return OpenedFile(os.fstat(f.fileno()).st_size, _chunks(f, chunk_size))

    async def size(self, key: str) -> int:
        path = self.path_for(key)
        try:
            info = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if not stat.S_ISREG(info.st_mode):
            raise ObjectNotFound(key)
        return info.st_size

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_for(key).is_file)

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _chunks(f: BinaryIO, chunk_size: int) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(f.read, chunk_size):
            yield chunk
    finally:
        f.close()


def _replace(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write beside the target and rename over it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
