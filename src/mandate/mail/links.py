"""Signed one-click unsubscribe links (RFC 8058): the token names the user and the category."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mandate.config import Settings
from mandate.kit.security import LinkSigner

SALT = "unsubscribe"
# Old newsletters stay in inboxes for years; their unsubscribe links must keep working.
MAX_AGE_SECONDS = 10 * 365 * 86400
PREFERENCES_PATH = "/settings/account#notifications"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: uuid.UUID
    category: str


def _signer(settings: Settings) -> LinkSigner:
    return LinkSigner(settings.ensure_secret_key(), SALT)


def unsubscribe_url(settings: Settings, user_id: uuid.UUID, category: str) -> str:
    token = _signer(settings).sign({"u": str(user_id), "c": category})
    return f"{settings.base_url}/unsubscribe/{token}"


def preferences_url(settings: Settings) -> str:
    return f"{settings.base_url}{PREFERENCES_PATH}"


def read_unsubscribe(settings: Settings, token: str) -> Unsubscribe | None:
    """What a token unsubscribes, or None when it is forged or altered."""
    payload = _signer(settings).unsign(token, MAX_AGE_SECONDS)
    if not isinstance(payload, dict):
        return None
    try:
        return Unsubscribe(uuid.UUID(str(payload["u"])), str(payload["c"]))
    except (KeyError, ValueError):
        return None
