"""One behaviour, two backends: every test here runs on local disk and on S3 (moto server)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mandate.config import StorageBackend
from mandate.storage import InvalidKey, ObjectNotFound, Storage

pytestmark = pytest.mark.anyio

BAD_KEYS = [
    "",
    "../escape.txt",
    "a/../../escape.txt",
    "reports/..",
    "/etc/passwd",
    "a//b",
    "a/",
    ".hidden",
    "a/./b",
    "a\\..\\b",
    "a b",
    "nul\x00byte",
    "caf\u00e9.pdf",
    "x" * 513,
    "/".join(["seg"] * 200),
]


async def collect(storage: Storage, key: str, chunk_size: int) -> list[bytes]:
    opened = await storage.open(key, chunk_size=chunk_size)
    chunks = [chunk async for chunk in opened.chunks]
    assert opened.size == sum(len(c) for c in chunks)
    return chunks


class TestStorageBackends:
    async def test_put_then_read_size_exists(self, storage: Storage) -> None:
        await storage.put_bytes("org/1/report.pdf", b"%PDF-1.7 body", content_type="application/pdf")
        assert await storage.read("org/1/report.pdf") == b"%PDF-1.7 body"
        assert await storage.size("org/1/report.pdf") == len(b"%PDF-1.7 body")
        assert await storage.exists("org/1/report.pdf")
        assert not await storage.exists("org/1/other.pdf")

    async def test_overwrite_replaces_content_and_size(self, storage: Storage) -> None:
        await storage.put_bytes("a/b.txt", b"first version, longer", content_type="text/plain")
        await storage.put_bytes("a/b.txt", b"second", content_type="text/plain")
        assert await storage.read("a/b.txt") == b"second"
        assert await storage.size("a/b.txt") == 6

    async def test_empty_file(self, storage: Storage) -> None:
        await storage.put_bytes("empty.bin", b"", content_type="application/octet-stream")
        assert await storage.exists("empty.bin")
        assert await storage.size("empty.bin") == 0
        assert await collect(storage, "empty.bin", 1024) == []

    async def test_large_file_from_disk_streams_in_chunks(self, storage: Storage, tmp_path: Path) -> None:
        data = os.urandom(9 * 1024 * 1024 + 123)  # above boto3's multipart threshold (8 MiB)
        source = tmp_path / "big.bin"
        source.write_bytes(data)
        await storage.put_file("exports/big.bin", source, content_type="application/octet-stream")
        chunks = await collect(storage, "exports/big.bin", 1024 * 1024)
        assert b"".join(chunks) == data
        assert len(chunks) >= 10
        assert all(len(c) <= 1024 * 1024 for c in chunks)
        assert await storage.size("exports/big.bin") == len(data)

    async def test_an_open_file_reads_whole_while_the_key_is_overwritten(self, storage: Storage) -> None:
        old, new = b"o" * 300_000, b"n" * 1000
        await storage.put_bytes("report.pdf", old, content_type="application/pdf")
        opened = await storage.open("report.pdf", chunk_size=64 * 1024)
        await storage.put_bytes("report.pdf", new, content_type="application/pdf")
        assert opened.size == len(old)
        assert b"".join([c async for c in opened.chunks]) == old
        assert await storage.read("report.pdf") == new

    async def test_delete(self, storage: Storage) -> None:
        await storage.put_bytes("gone.txt", b"x", content_type="text/plain")
        await storage.delete("gone.txt")
        assert not await storage.exists("gone.txt")
        await storage.delete("gone.txt")  # deleting twice is not an error

    @pytest.mark.parametrize("operation", ["read", "size", "open"])
    async def test_missing_key_is_object_not_found(self, storage: Storage, operation: str) -> None:
        with pytest.raises(ObjectNotFound):
            await getattr(storage, operation)("never/written.txt")

    @pytest.mark.parametrize("key", BAD_KEYS, ids=range(len(BAD_KEYS)))
    async def test_unsafe_keys_are_rejected_on_every_operation(self, storage: Storage, key: str) -> None:
        with pytest.raises(InvalidKey):
            await storage.put_bytes(key, b"x", content_type="text/plain")
        for operation in ("read", "open", "size", "exists", "delete"):
            with pytest.raises(InvalidKey):
                await getattr(storage, operation)(key)

    async def test_a_directory_is_not_a_file(self, storage: Storage) -> None:
        await storage.put_bytes("folder/inside.txt", b"x", content_type="text/plain")
        assert not await storage.exists("folder")
        for operation in ("read", "open", "size"):
            with pytest.raises(ObjectNotFound):
                await getattr(storage, operation)("folder")


@pytest.mark.parametrize("backend", [StorageBackend.LOCAL], ids=["local"])
class TestLocalLayout:
    async def test_files_live_under_data_dir_files(self, storage: Storage, app: Any) -> None:
        await storage.put_bytes("org/7/memo.docx", b"memo", content_type="application/octet-stream")
        root = app.state.settings.data_dir / "files"
        assert (root / "org" / "7" / "memo.docx").read_bytes() == b"memo"
        assert [p.name for p in (root / "org" / "7").iterdir()] == ["memo.docx"]  # no temporary file left

    async def test_symlink_out_of_the_root_is_refused(self, storage: Storage, app: Any, tmp_path: Path) -> None:
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_text("secret")
        root = app.state.settings.data_dir / "files"
        (root / "link").symlink_to(outside, target_is_directory=True)
        with pytest.raises(InvalidKey):
            await storage.read("link/secret.txt")


@pytest.mark.parametrize("backend", [StorageBackend.S3], ids=["s3"])
class TestS3Bucket:
    async def test_startup_created_the_bucket_and_keeps_the_content_type(self, storage: Storage, app: Any) -> None:
        await storage.put_bytes("x/y.csv", b"a,b\n", content_type="text/csv")
        client = storage.client  # type: ignore[attr-defined]
        bucket = app.state.settings.s3_bucket
        head = client.head_object(Bucket=bucket, Key="x/y.csv")
        assert head["ContentType"] == "text/csv"
        assert client.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-west-2"
