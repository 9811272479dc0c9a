"""Settings: one object, read from the environment with the MANDATE_ prefix."""

from __future__ import annotations

import secrets
from email.utils import parseaddr
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_KEY_LENGTH = 32
# Hosting platforms hand out plain `postgres://` URLs; the app talks to PostgreSQL through psycopg 3.
_POSTGRES_SCHEMES = ("postgres://", "postgresql://")


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class StorageBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class ConfigurationError(RuntimeError):
    """Settings the chosen mode cannot run with; the message names every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Mandate cannot start in production mode:\n" + "\n".join(f"  - {p}" for p in problems))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MANDATE_", extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    session_days: int = 14
    api_token_days: int = 30
    invitation_days: int = 7
    login_failures_per_account: str = "10 per 15 minutes"
    login_attempts_per_ip: str = "60 per minute"
    seed_demo: bool = Field(default=True, description="Load demo data on first embedded start")
    jobs_backend: Literal["auto", "sqlite", "redis", "memory"] = "auto"
    jobs_workers: int = Field(default=2, ge=1, le=64)
    jobs_in_process: bool | None = Field(default=None, description="Run job threads in the app (embedded default)")
    jobs_poll_seconds: float = Field(default=0.1, gt=0, description="Longest idle poll of a non-blocking queue")
    jobs_queued_grace_seconds: int = Field(default=60, ge=1, description="Queued this long past due: re-enqueue")
    storage_backend: StorageBackend = StorageBackend.LOCAL
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    s3_create_bucket: bool = False
    download_link_seconds: int = Field(default=300, ge=1, le=7 * 86400)
    # Live updates (SSE): events kept per channel for replay, heartbeat and connection lifetime.
    live_history: int = Field(default=1000, ge=1)
    live_heartbeat_seconds: float = Field(default=15.0, gt=0)
    live_max_connection_seconds: float = Field(default=600.0, gt=0)

    metrics_token: str = Field(default="", description="Bearer token that may read /metrics")
    mail_backend: Literal["outbox", "smtp"] = Field(default="outbox", description="outbox keeps mail in the DB")
    mail_from: str = Field(default="Mandate <no-reply@mandate.example>", description="From header, with display name")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    password_reset_minutes: int = Field(default=60, ge=5, le=24 * 60)
    password_resets_per_email: str = "5 per hour"
    password_resets_per_ip: str = "30 per hour"
    event_registrations_per_ip: str = "30 per minute"
    event_registrations_per_email: str = "5 per hour"
    # Ticket links (read, cancel, claim) per IP: codes are unguessable; this caps scanning and abuse.
    event_ticket_requests_per_ip: str = "120 per minute"

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.database_url.startswith(_POSTGRES_SCHEMES):
            self.database_url = "postgresql+psycopg://" + self.database_url.split("://", 1)[1]
        # Production never falls back to a local file: an unset URL is reported by `check()`.
        if not self.database_url and self.mode is Mode.EMBEDDED:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'mandate.db'}"
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ValueError("mail_from must be an address, optionally with a name: 'Mandate <no-reply@example.com>'")
        return self

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.storage_backend is StorageBackend.S3 and not self.s3_bucket:
            raise ValueError("MANDATE_S3_BUCKET is required when MANDATE_STORAGE_BACKEND=s3")
        return self

    def production_problems(self) -> list[str]:
        """What production mode is missing; empty when the settings can serve."""
        if self.mode is not Mode.PRODUCTION:
            return []
        return [p for p in (self._secret_problem(), self._database_problem(), self._redis_problem()) if p]

    def check(self) -> Settings:
        """Raise `ConfigurationError` naming every missing production setting."""
        problems = self.production_problems()
        if problems:
            raise ConfigurationError(problems)
        return self

    def _secret_problem(self) -> str | None:
        if not self.secret_key:
            return "MANDATE_SECRET_KEY is not set (a random value of at least 32 characters)"
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            return f"MANDATE_SECRET_KEY is too short ({len(self.secret_key)} characters; at least 32)"
        return None

    def _database_problem(self) -> str | None:
        if not self.database_url:
            return "MANDATE_DATABASE_URL is not set (postgresql://user:password@host:5432/name)"
        if not self.database_url.startswith("postgresql+psycopg"):
            return f"MANDATE_DATABASE_URL must be a PostgreSQL URL, not {self.database_url.split(':', 1)[0]}"
        return None

    def _redis_problem(self) -> str | None:
        if not self.redis_url:
            return "MANDATE_REDIS_URL is not set (redis://host:6379/0): processes share limits, jobs and events there"
        if not self.redis_url.startswith(("redis://", "rediss://")):
            return "MANDATE_REDIS_URL must start with redis:// or rediss://"
        return None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_jobs_in_process(self) -> bool:
        if self.jobs_in_process is not None:
            return self.jobs_in_process
        return self.mode is Mode.EMBEDDED

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def ensure_secret_key(self) -> str:
        """Use the configured key, else one generated once into the data directory."""
        if self.secret_key:
            return self.secret_key
        if self.mode is Mode.PRODUCTION:
            raise RuntimeError("MANDATE_SECRET_KEY is required in production mode")
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


@lru_cache
def get_settings() -> Settings:
    return Settings()
