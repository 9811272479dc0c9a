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


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


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
    jobs_poll_seconds: float = Field(default=0.5, gt=0, description="Longest idle poll of a non-blocking queue")
    jobs_queued_grace_seconds: int = Field(default=60, ge=1, description="Queued this long past due: re-enqueue")
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

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'mandate.db'}"
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ValueError("mail_from must be an address, optionally with a name: 'Mandate <no-reply@example.com>'")
        return self

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
