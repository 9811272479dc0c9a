"""Short-lived signed download links: `<base_url>/files/<token>`.

The token is signed with the app's secret and carries the key, the download filename, the content
type and an expiry, so serving a file needs neither a database row nor a session.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from mandate.kit.security import LinkSigner
from mandate.storage.base import check_key

DOWNLOAD_SALT = "mandate.download"
MAX_LINK_SECONDS = 7 * 86400
MAX_FILENAME = 150
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(; ?charset=[a-z0-9_-]+)?", re.I)
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()\[\]-]")


@dataclass(frozen=True)
class Download:
    key: str
    filename: str
    content_type: str


class DownloadLinks:
    def __init__(
        self, secret: str, base_url: str, *, default_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._signer = LinkSigner(secret, DOWNLOAD_SALT)
        self._base_url = base_url.rstrip("/")
        self._default_seconds = default_seconds
        self._clock = clock

    def signed_url(self, key: str, *, filename: str, content_type: str, expires_in: int | None = None) -> str:
        """A URL that downloads `key` as `filename` until `expires_in` seconds from now."""
        seconds = self._default_seconds if expires_in is None else expires_in
        if not 1 <= seconds <= MAX_LINK_SECONDS:
            raise ValueError(f"expires_in must be 1 to {MAX_LINK_SECONDS} seconds, not {seconds}")
        if not _CONTENT_TYPE.fullmatch(content_type):
            raise ValueError(f"not a content type: {content_type!r}")
        payload = {
            "k": check_key(key),
            "f": safe_filename(filename),
            "t": content_type,
            "e": int(self._clock()) + seconds,
        }
        return f"{self._base_url}/files/{self._signer.sign(payload)}"

    def verify(self, token: str) -> Download | None:
        """What the token grants, or None when it is forged, altered or expired."""
        payload = self._signer.unsign(token, MAX_LINK_SECONDS)
        if not isinstance(payload, dict):
            return None
        key, filename, content_type, expires = (payload.get(k) for k in ("k", "f", "t", "e"))
        if not (isinstance(key, str) and isinstance(filename, str) and isinstance(content_type, str)):
            return None
        if not isinstance(expires, int) or expires <= self._clock():
            return None
        return Download(key, filename, content_type)


def safe_filename(name: str) -> str:
    """The last path part without control characters or quotes; 'download' when nothing is left."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").replace('"', "'")
    name = name.strip(" .")[:MAX_FILENAME].strip(" .")
    return name or "download"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987)."""
    name = safe_filename(filename)
    # Accents fall off ("é" -> "e"); other non-ASCII characters become "_".
    decomposed = unicodedata.normalize("NFKD", name)
    fallback = "".join(c if c.isascii() else "" if unicodedata.combining(c) else "_" for c in decomposed)
    fallback = _ASCII_UNSAFE.sub("_", fallback).strip(" .") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
