"""Password hashing (argon2id) and the strength rule."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHash((Argon2Hasher(),))


@lru_cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("mandate.account").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in _common_passwords():
        return "This password is too common; choose another"
    if email and lowered == email.lower():
        return "Do not use your email address as your password"
    if len(set(password)) < 4:
        return "Use a less repetitive password"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


@lru_cache
def dummy_hash() -> str:
    """Verified when the email is unknown so both paths cost the same; made on first use, not at import."""
    return hash_password("not-a-real-password-for-timing")
