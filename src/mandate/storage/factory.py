"""The storage backend the settings ask for."""

from __future__ import annotations

from typing import Any

from mandate.config import Settings, StorageBackend
from mandate.storage.base import Storage
from mandate.storage.local import LocalStorage
from mandate.storage.s3 import S3Storage


def build_storage(settings: Settings) -> Storage:
    if settings.storage_backend is StorageBackend.S3:
        return S3Storage(
            s3_client(settings),
            settings.s3_bucket,
            region=settings.s3_region,
            create_bucket=settings.s3_create_bucket,
        )
    return LocalStorage(settings.data_dir / "files")


def s3_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    # Empty keys fall through to boto3's own chain (environment, instance role).
    session = boto3.session.Session(
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        region_name=settings.s3_region,
    )
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": settings.s3_addressing_style},
        retries={"mode": "standard", "max_attempts": 3},
        max_pool_connections=32,  # calls come from asyncio's thread pool, up to 32 threads
    )
    return session.client("s3", endpoint_url=settings.s3_endpoint_url or None, config=config)
