"""URL slugs: lowercase ASCII words joined by hyphens."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 48
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, fallback: str = "org") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    return slug or fallback


def with_suffix(slug: str, n: int) -> str:
    suffix = f"-{n}"
    return slug[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
