"""Settings: one object, read from the environment with the MANDATE_ prefix."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class StorageBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


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

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'mandate.db'}"
        return self

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.storage_backend is StorageBackend.S3 and not self.s3_bucket:
            raise ValueError("MANDATE_S3_BUCKET is required when MANDATE_STORAGE_BACKEND=s3")
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
