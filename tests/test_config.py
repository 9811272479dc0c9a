from __future__ import annotations

from pathlib import Path

import pytest

from mandate.app import create_app
from mandate.config import ConfigurationError, Mode, Settings

SECRET = "k" * 40
PG = "postgresql+psycopg://mandate:pw@db.internal:5432/mandate"
REDIS = "redis://cache.internal:6379/0"


def production(**overrides: str) -> Settings:
    values = {"secret_key": SECRET, "database_url": PG, "redis_url": REDIS, **overrides}
    return Settings(mode=Mode.PRODUCTION, **values)  # type: ignore[arg-type]


class TestProductionSettings:
    def test_nothing_set_names_every_missing_setting(self) -> None:
        with pytest.raises(ConfigurationError) as caught:
            Settings(mode=Mode.PRODUCTION).check()
        problems = caught.value.problems
        assert len(problems) == 3
        for name in ("MANDATE_SECRET_KEY", "MANDATE_DATABASE_URL", "MANDATE_REDIS_URL"):
            assert sum(name in p for p in problems) == 1, problems
            assert name in str(caught.value)

    def test_complete_settings_pass(self) -> None:
        settings = production()
        assert settings.production_problems() == []
        assert settings.check() is settings

    def test_sqlite_is_refused(self) -> None:
        problems = production(database_url="sqlite+aiosqlite:///data/mandate.db").production_problems()
        assert problems == ["MANDATE_DATABASE_URL must be a PostgreSQL URL, not sqlite+aiosqlite"]

    def test_unset_database_url_does_not_fall_back_to_a_local_file(self) -> None:
        settings = production(database_url="")
        assert settings.database_url == ""
        assert any("MANDATE_DATABASE_URL is not set" in p for p in settings.production_problems())

    def test_short_secret_is_refused(self) -> None:
        assert production(secret_key="short").production_problems() == [
            "MANDATE_SECRET_KEY is too short (5 characters; at least 32)"
        ]

    def test_redis_url_needs_a_redis_scheme(self) -> None:
        problems = production(redis_url="memory://").production_problems()
        assert problems == ["MANDATE_REDIS_URL must start with redis:// or rediss://"]

    def test_problems_never_echo_the_database_password(self) -> None:
        settings = production(database_url="mysql://root:hunter2-secret@db/mandate")
        assert "hunter2-secret" not in " ".join(settings.production_problems())

    def test_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MANDATE_MODE", "production")
        monkeypatch.setenv("MANDATE_SECRET_KEY", SECRET)
        monkeypatch.delenv("MANDATE_DATABASE_URL", raising=False)
        monkeypatch.delenv("MANDATE_REDIS_URL", raising=False)
        problems = Settings().production_problems()
        assert [p.split()[0] for p in problems] == ["MANDATE_DATABASE_URL", "MANDATE_REDIS_URL"]


class TestDatabaseUrlSchemes:
    @pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
    def test_plain_postgres_urls_use_psycopg(self, scheme: str) -> None:
        settings = production(database_url=f"{scheme}://u:p@host:5432/db")
        assert settings.database_url == "postgresql+psycopg://u:p@host:5432/db"
        assert settings.production_problems() == []

    def test_explicit_driver_is_kept(self) -> None:
        assert production().database_url == PG


class TestEmbeddedSettings:
    def test_needs_nothing_and_uses_sqlite_in_the_data_dir(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path).check()
        assert settings.production_problems() == []
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'mandate.db'}"


class TestCreateApp:
    def test_refuses_incomplete_production_settings_before_touching_anything(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError) as caught:
            create_app(Settings(mode=Mode.PRODUCTION, data_dir=tmp_path / "data", secret_key=SECRET))
        assert [p.split()[0] for p in caught.value.problems] == ["MANDATE_DATABASE_URL", "MANDATE_REDIS_URL"]
        assert not (tmp_path / "data").exists()

    @pytest.mark.anyio
    async def test_builds_with_complete_production_settings(self) -> None:
        app = create_app(production())
        try:
            assert app.state.settings.mode is Mode.PRODUCTION
            assert app.state.secret_key == SECRET
        finally:
            await app.state.engine.dispose()
