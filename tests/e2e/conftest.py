"""Browser tests: a live Mandate server on 127.0.0.1 driven by Debian Chromium through Playwright.

One server and one browser per session; a fresh browser context per test. Every page a test
visits is screenshotted into artifacts/e2e/ and checked with axe-core (no serious or critical
violation); a test that lets a page load without checking it fails at teardown.

The database is SQLite in a temporary data directory, or, when MANDATE_TEST_DATABASE_URL is
set, a dedicated PostgreSQL database `<name>_e2e`, dropped and created for the run.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.e2e.axe import AxeChecker, load_axe_source
from tests.e2e.harness import ARTIFACTS, ROOT, LiveServer, Pilot, StaffLogin, Visitor
from tests.helpers.live import free_port, uvicorn_server, wait_until_healthy

CHROMIUM = Path(os.environ.get("MANDATE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
E2E_DIR = Path(__file__).parent
AXE_LOG = ARTIFACTS / "axe.jsonl"
CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (`-m e2e`, and `-m "not e2e"` skips them)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, so teardown checks do not report it twice."""
    report = yield
    if call.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


# The live server ------------------------------------------------------------------------------


def _postgres_database(base_url: str) -> str:
    """Drop and create `<name>_e2e` next to the test database; return its async URL."""
    base = make_url(base_url)
    name = f"{base.database}_e2e"
    admin_url = base.set(drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`mandate ...` in a child process (Playwright's sync API owns this thread's event loop)."""
    return subprocess.Popen(
        [sys.executable, "-m", "mandate.cli", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,  # so create-staff generates and prints a password
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(child: subprocess.Popen[str], what: str) -> str:
    out, err = child.communicate(timeout=120)
    if child.returncode != 0:
        pytest.fail(f"{what} failed ({child.returncode}):\n{out}\n{err}")
    return out


def _staff_login(child: subprocess.Popen[str], email: str) -> StaffLogin:
    out = _finish(child, "mandate create-staff")
    found = re.search(r"Password: (\S+)", out)
    if not found:
        pytest.fail(f"mandate create-staff printed no password:\n{out}")
    return StaffLogin(email, found.group(1))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MANDATE_DATA_DIR": str(data_dir),
        "MANDATE_BASE_URL": url,
        "MANDATE_SECRET_KEY": secrets.token_urlsafe(32),
        "MANDATE_LOG_LEVEL": "WARNING",
        "MANDATE_SEED_DEMO": "false",
        # Every browser test logs in from 127.0.0.1; the per-IP login limit is for the internet.
        "MANDATE_LOGIN_ATTEMPTS_PER_IP": "1000 per minute",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("MANDATE_DATABASE_URL", "MANDATE_REDIS_URL", "MANDATE_MODE"):
        env.pop(name, None)
    pg_url = os.environ.get("MANDATE_TEST_DATABASE_URL", "")
    database_url = _postgres_database(pg_url) if pg_url else f"sqlite+aiosqlite:///{data_dir / 'mandate.db'}"
    env["MANDATE_DATABASE_URL"] = database_url
    if os.environ.get("MANDATE_TEST_REDIS_URL"):
        env["MANDATE_REDIS_URL"] = os.environ["MANDATE_TEST_REDIS_URL"]
    _finish(_cli(env, "migrate"), "mandate migrate")  # mandate.migrate.upgrade
    staff_email = "stella.staff@mandate.example"
    create_staff = _cli(env, "create-staff", staff_email, "--name", "Stella Staff")

    log_path = ARTIFACTS / "server.log"
    with uvicorn_server(env, port, log_path) as process:
        staff = _staff_login(create_staff, staff_email)  # while the server starts
        wait_until_healthy(url, process, log_path)
        yield LiveServer(url=url, env=env, staff=staff, log_path=log_path, process=process)


# The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    return load_axe_source(ROOT)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Skip (saying why) before anything else starts when there is no browser to drive."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium); browser tests skipped")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance(chromium: Path) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium: Path) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _clean_screenshots() -> None:
    """Screenshots of this run only; CI uploads the folder."""
    if ARTIFACTS.is_dir():
        for old in [*ARTIFACTS.glob("*.png"), AXE_LOG]:
            old.unlink(missing_ok=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def _test_slug(node: pytest.Item) -> str:
    name = node.name.removeprefix("test_")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:80]


@pytest.fixture
def visitor(
    request: pytest.FixtureRequest, chromium: Path, axe_source: str, live_server: LiveServer, browser: Browser
) -> Iterator[Visitor]:
    visitor = Visitor(browser, live_server, AxeChecker(axe_source, AXE_LOG), _test_slug(request.node))
    yield visitor
    try:
        if request.node.stash.get(CALL_FAILED, False):
            return
        unchecked = [url for pilot in visitor.pilots for url in pilot.unchecked]
        errors = [e for pilot in visitor.pilots for e in pilot.server_errors]
        assert not errors, "the server answered with errors:\n" + "\n".join(errors)
        assert not unchecked, "pages loaded without an axe check (call pilot.check()):\n" + "\n".join(unchecked)
    finally:
        visitor.close()


@pytest.fixture
def pilot(visitor: Visitor) -> Pilot:
    return visitor.new_pilot()
