"""Settings: one object, read from the environment with the MANDATE_ prefix."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

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
    # Live updates (SSE): events kept per channel for replay, heartbeat and connection lifetime.
    live_history: int = Field(default=1000, ge=1)
    live_heartbeat_seconds: float = Field(default=15.0, gt=0)
    live_max_connection_seconds: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'mandate.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

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
