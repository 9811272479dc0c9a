"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph...). boto3 blocks, so every call runs in a thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from mandate.storage.base import CHUNK_SIZE, ObjectNotFound, OpenedFile, check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}
_ALREADY_MINE = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


async def _chunks(body: Any, chunk_size: int) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(body.read, chunk_size):
            yield chunk
    finally:
        body.close()


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Storage:
    def __init__(self, client: Any, bucket: str, *, region: str, create_bucket: bool = False) -> None:
        self._client = client
        self._bucket = bucket
        self._region = region
        self._create_bucket = create_bucket

    @property
    def client(self) -> Any:
        return self._client

    @property
    def bucket(self) -> str:
        return self._bucket

    async def start(self) -> None:
        if self._create_bucket:
            await asyncio.to_thread(self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in _MISSING:
                raise
        # us-east-1 is the one region that refuses an explicit location.
        where = {} if self._region == "us-east-1" else {"LocationConstraint": self._region}
        try:
            self._client.create_bucket(Bucket=self._bucket, **({"CreateBucketConfiguration": where} if where else {}))
        except ClientError as exc:  # another process created it first
            if _error_code(exc) not in _ALREADY_MINE:
                raise

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self._client.put_object, Bucket=self._bucket, Key=check_key(key), Body=data, ContentType=content_type
        )

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        # upload_file switches to a multipart upload for large files.
        await asyncio.to_thread(
            self._client.upload_file, str(path), self._bucket, check_key(key), ExtraArgs={"ContentType": content_type}
        )

    async def _get(self, key: str) -> Any:
        try:
            return await asyncio.to_thread(self._client.get_object, Bucket=self._bucket, Key=check_key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                raise ObjectNotFound(key) from None
            raise

    async def read(self, key: str) -> bytes:
        body = (await self._get(key))["Body"]
        try:
            data: bytes = await asyncio.to_thread(body.read)
            return data
        finally:
            body.close()

    async def open(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> OpenedFile:
        response = await self._get(key)
        return OpenedFile(int(response["ContentLength"]), _chunks(response["Body"], chunk_size))

    async def size(self, key: str) -> int:
        try:
            head = await asyncio.to_thread(self._client.head_object, Bucket=self._bucket, Key=check_key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                raise ObjectNotFound(key) from None
            raise
        return int(head["ContentLength"])

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self._bucket, Key=check_key(key))
