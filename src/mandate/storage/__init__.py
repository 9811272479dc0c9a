"""File storage: one async interface over a local directory or an S3-compatible bucket.

Files leave the app only through short-lived signed download links (`DownloadLinks`), served by
`GET /files/{token}` (`storage.views`).
"""

from mandate.storage.base import InvalidKey, ObjectNotFound, OpenedFile, Storage, StorageError, check_key
from mandate.storage.factory import build_storage
from mandate.storage.links import Download, DownloadLinks

__all__ = [
    "Download",
    "DownloadLinks",
    "InvalidKey",
    "ObjectNotFound",
    "OpenedFile",
    "Storage",
    "StorageError",
    "build_storage",
    "check_key",
]
