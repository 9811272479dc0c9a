"""The `mandate` command as a deployment runs it: real subprocesses, real servers."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, REDIS_URL
from tests.helpers.fixtures import PASSWORD
from tests.helpers.live import clean_env, free_port, mandate_command, server_process, wait_until_healthy

EXIT_CONFIG = 78
needs_pg_and_redis = pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="production mode needs PostgreSQL and Redis: set MANDATE_TEST_DATABASE_URL and MANDATE_TEST_REDIS_URL",
)


def run_mandate(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(mandate_command(*args), env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


class TestProductionRefusesToStart:
    def test_serve_without_settings_names_each_one_and_exits(self, tmp_path: Path) -> None:
        port = free_port()
        result = run_mandate(
            "serve", "--port", str(port), "--workers", "2", env=clean_env(MANDATE_MODE="production"), cwd=tmp_path
        )
        assert result.returncode == EXIT_CONFIG, result.stdout + result.stderr
        for name in ("MANDATE_SECRET_KEY", "MANDATE_DATABASE_URL", "MANDATE_REDIS_URL"):
            assert name in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "data").exists(), "nothing is created before the settings are complete"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)

    def test_serve_refuses_sqlite(self, tmp_path: Path) -> None:
        env = clean_env(
            MANDATE_MODE="production",
            MANDATE_SECRET_KEY=secrets.token_urlsafe(32),
            MANDATE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
            MANDATE_REDIS_URL="redis://127.0.0.1:6379/15",
        )
        result = run_mandate("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
        assert result.returncode == EXIT_CONFIG
        assert "MANDATE_DATABASE_URL must be a PostgreSQL URL" in result.stderr
        assert not (tmp_path / "m.db").exists(), "no migration ran"

    def test_migrate_without_settings_exits(self, tmp_path: Path) -> None:
        result = run_mandate("migrate", env=clean_env(MANDATE_MODE="production"), cwd=tmp_path)
        assert result.returncode == EXIT_CONFIG
        assert "MANDATE_DATABASE_URL is not set" in result.stderr


@pytest.fixture
def empty_pg_database(worker_name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (no migrations), dropped afterwards."""
    base = make_url(PG_URL)
    name = f"{base.database}_{worker_name}_serve"
    admin = create_engine(
        str(base.set(drivername="postgresql+psycopg", database="postgres")), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def table_names(url: str) -> list[str]:
    engine = create_engine(str(make_url(url).set(drivername="postgresql+psycopg")))
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


@needs_pg_and_redis
class TestProductionServe:
    def test_serves_with_two_workers_without_migrating_or_seeding(
        self, tmp_path: Path, empty_pg_database: str, redis_url: str
    ) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = clean_env(
            MANDATE_MODE="production",
            MANDATE_SECRET_KEY=secrets.token_urlsafe(32),
            MANDATE_DATABASE_URL=empty_pg_database,
            MANDATE_REDIS_URL=redis_url,
            MANDATE_DATA_DIR=str(tmp_path / "data"),
            MANDATE_BASE_URL=url,
            MANDATE_SEED_DEMO="true",  # ignored in production: demo data never appears there
        )
        log_path = tmp_path / "serve.log"
        command = mandate_command("serve", "--port", str(port), "--workers", "2")
        with server_process(command, env, log_path) as process:
            wait_until_healthy(url, process, log_path)
            assert httpx.get(f"{url}/readyz").status_code == 200
            assert table_names(empty_pg_database) == [], "serve must not migrate in production"
            assert "olivia@harbour.example" not in log_path.read_text()

            migrated = run_mandate("migrate", env=env, cwd=tmp_path)
            assert migrated.returncode == 0, migrated.stderr
            assert "alembic_version" in table_names(empty_pg_database)
            signup = {"email": "ops@example.com", "password": PASSWORD, "full_name": "Ops", "organization_name": "Ops"}
            assert httpx.post(f"{url}/api/auth/signup", json=signup).status_code == 201
            workers = worker_pids(process.pid)
            assert len(workers) == 2, workers
        assert process.returncode == 0, log_path.read_text()[-2000:]
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "stopping serve stops its workers"


def worker_pids(parent: int) -> list[int]:
    """Children of `parent` that are uvicorn workers (not the multiprocessing resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return found


class TestSmokeCommand:
    def test_unreachable_deployment_fails_with_a_line_per_step(self, tmp_path: Path) -> None:
        url = f"http://127.0.0.1:{free_port()}"
        result = run_mandate("smoke", "--base-url", url, env=clean_env(), cwd=tmp_path)
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert [line.split()[:2] for line in lines[:3]] == [["FAIL", "healthz"], ["FAIL", "readyz"], ["FAIL", "sign"]]
        assert lines[-1] == f"smoke {url}: FAILED (healthz, readyz, sign up)"
