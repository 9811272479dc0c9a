"""Random tokens, their stored hashes, and signed links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are high-entropy, so a fast hash is enough and allows an indexed lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class LinkSigner:
    def __init__(self, secret: str, salt: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=salt)

    def sign(self, payload: Any) -> str:
        return self._serializer.dumps(payload)

    def unsign(self, token: str, max_age_seconds: int) -> Any | None:
        """The payload, or None when the token is forged, altered or expired."""
        try:
            return self._serializer.loads(token, max_age=max_age_seconds)
        except (BadSignature, SignatureExpired):
            return None
