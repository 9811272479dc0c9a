"""Test harness: a migrated database per xdist worker, a fresh state per test, real HTTP calls.

SQLite: one migrated template file per worker, copied for each test (a file copy is cheaper
than a rollback dance and exercises real commits). PostgreSQL (MANDATE_TEST_DATABASE_URL): a
database per worker, migrated once, truncated after each test. Redis (MANDATE_TEST_REDIS_URL):
a logical database per worker, flushed after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from mandate.config import Settings
from mandate.migrate import upgrade
from mandate.models import Base

pytest_plugins = ["tests.helpers.fixtures", "tests.helpers.mail"]

PG_URL = os.environ.get("MANDATE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("MANDATE_TEST_REDIS_URL", "")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _worker_index(worker_name: str) -> int:
    return int(worker_name[2:]) if worker_name.startswith("gw") else 0


def _sync_url(url: str) -> str:
    return str(make_url(url).set(drivername="postgresql+psycopg"))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, worker_name: str) -> str:
    """Migrate once per worker; return the URL (PostgreSQL) or template file path (SQLite)."""
    if PG_URL:
        base = make_url(PG_URL)
        name = f"{base.database}_{worker_name}"
        admin = create_engine(_sync_url(str(base.set(database="postgres"))), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = str(base.set(database=name).render_as_string(hide_password=False))
        upgrade(url)
        return url
    template = tmp_path_factory.mktemp("template") / "mandate.db"
    upgrade(f"sqlite+aiosqlite:///{template}")
    return str(template)


@pytest.fixture(scope="session")
def pg_cleaner(database_template: str) -> Iterator[Engine | None]:
    if not PG_URL:
        yield None
        return
    engine = create_engine(_sync_url(database_template))
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    # DELETE beats TRUNCATE on tables this small (TRUNCATE pays a fixed cost per table).
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def database_url(database_template: str, pg_cleaner: Engine | None, tmp_path: Path) -> Iterator[str]:
    if pg_cleaner is not None:
        yield database_template
        _empty_all_tables(pg_cleaner)
        return
    target = tmp_path / "mandate.db"
    shutil.copyfile(database_template, target)
    yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def redis_url(worker_name: str) -> Iterator[str]:
    if not REDIS_URL:
        yield ""
        return
    import redis

    # One logical database per worker, counted up from the one in the URL (so runs can be kept apart).
    host, _, base = REDIS_URL.split("://", 1)[1].partition("/")
    url = f"redis://{host}/{(int(base or 0) + 1 + _worker_index(worker_name)) % 16}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
        log_level="WARNING",
        seed_demo=False,
        jobs_backend="memory",  # immediate: a job runs when its transaction commits
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[object]:
    from mandate.app import create_app

    application = create_app(settings)
    yield application
    await application.state.runtime.close()
    await application.state.engine.dispose()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @contextmanager
    def expect(self, maximum: int) -> Iterator[None]:
        start = len(self.statements)
        yield
        ran = self.statements[start:]
        assert len(ran) <= maximum, f"{len(ran)} queries (max {maximum}):\n" + "\n".join(ran)


@pytest.fixture
def assert_query_count(app: object) -> Iterator[QueryCounter]:
    """Counts SQL statements the app runs; use `with assert_query_count.expect(n):`."""
    counter = QueryCounter()
    engine = app.state.engine.sync_engine  # type: ignore[attr-defined]

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    yield counter
    event.remove(engine, "before_cursor_execute", on_execute)
