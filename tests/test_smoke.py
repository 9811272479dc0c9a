"""`mandate smoke` against real servers: the Mandate app for the steps it serves today, and a
contract server (tests/helpers/smoke_target.py) for the whole run including live events and jobs."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mandate.migrate import upgrade
from mandate.smoke import SmokeCheck, SseEvent, SseParser, smoke_client
from tests.helpers.live import clean_env, free_port, mandate_command, server_process, uvicorn_server, wait_until_healthy

pytestmark = pytest.mark.anyio
ALL_STEPS = [
    "healthz",
    "readyz",
    "sign up",
    "live stream",
    "create deal",
    "live event",
    "export",
    "job",
    "download",
    "clean up",
]


def mandate_env(data_dir: Path, url: str, **extra: str) -> dict[str, str]:
    database_url = f"sqlite+aiosqlite:///{data_dir / 'mandate.db'}"
    upgrade(database_url)
    return clean_env(
        MANDATE_DATA_DIR=str(data_dir),
        MANDATE_DATABASE_URL=database_url,
        MANDATE_BASE_URL=url,
        MANDATE_SECRET_KEY=secrets.token_urlsafe(32),
        MANDATE_LOG_LEVEL="WARNING",
        **extra,
    )


@pytest.fixture(scope="module")
def mandate_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir, port = tmp_path_factory.mktemp("smoke-mandate"), free_port()
    url = f"http://127.0.0.1:{port}"
    with uvicorn_server(mandate_env(data_dir, url), port, data_dir / "server.log") as process:
        wait_until_healthy(url, process, data_dir / "server.log")
        yield url


class TestStepsAgainstMandate:
    async def test_health_sign_up_deal_and_clean_up(self, mandate_url: str) -> None:
        lines: list[str] = []
        async with smoke_client(mandate_url) as client:
            check = SmokeCheck(client, out=lines.append)
            for name, action in [
                ("healthz", check.healthz),
                ("readyz", check.readyz),
                ("sign up", check.sign_up),
                ("create deal", check.create_deal),
            ]:
                assert await check.step(name, action), lines
            assert not client.cookies, "the smoke acts through its bearer token only"
            me = (await client.get("/api/me")).json()
            assert me["organization"]["id"] == check.org_id
            assert me["user"]["email"] == f"smoke-{check.suffix}@example.com"
            deal = (await client.get(f"/api/deals/{check.deal_id}")).json()
            assert deal["name"] == check.deal_name
            assert await check.step("clean up", check.clean_up)
            assert (await client.get(f"/api/deals/{check.deal_id}")).status_code == 404
        assert [line.split()[0] for line in lines] == ["PASS"] * 5
        assert "database ok" in lines[1]

    async def test_two_runs_get_separate_accounts(self, mandate_url: str) -> None:
        async with smoke_client(mandate_url) as first, smoke_client(mandate_url) as second:
            a, b = SmokeCheck(first, out=lambda _: None), SmokeCheck(second, out=lambda _: None)
            assert await a.step("sign up", a.sign_up) and await b.step("sign up", b.sign_up)
        assert a.org_id != b.org_id

    async def test_unready_deployment_fails_readyz(self, unready_url: str) -> None:
        lines: list[str] = []
        async with smoke_client(unready_url) as client:
            check = SmokeCheck(client, out=lines.append)
            assert await check.step("healthz", check.healthz)
            assert not await check.step("readyz", check.readyz)
        assert lines[1].startswith("FAIL  readyz")
        assert "503" in lines[1] and "redis" in lines[1]


@pytest.fixture
def unready_url(tmp_path: Path) -> Iterator[str]:
    """The app up, with its Redis on a port where nothing listens."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = mandate_env(tmp_path, url, MANDATE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with uvicorn_server(env, port, tmp_path / "server.log") as process:
        wait_until_healthy(url, process, tmp_path / "server.log")
        yield url


@pytest.fixture
def contract_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "tests.helpers.smoke_target:app", "--port", str(port)]
    env = clean_env(SMOKE_TARGET_FAULT=getattr(request, "param", ""))
    with server_process([*command, "--log-level", "warning"], env, tmp_path / "target.log") as process:
        wait_until_healthy(url, process, tmp_path / "target.log")
        yield url


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = mandate_command("smoke", "--base-url", url, "--timeout", "20", "--event-timeout", "5", *args)
    return subprocess.run(command, env=clean_env(), capture_output=True, text=True, timeout=120)


def step_lines(stdout: str) -> list[tuple[str, str]]:
    lines = [line for line in stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    return [(line[:4], line[6:20].strip()) for line in lines]


class TestWholeRun:
    def test_every_step_passes_and_exits_zero(self, contract_server: str) -> None:
        result = run_cli(contract_server)
        assert result.returncode == 0, result.stdout + result.stderr
        assert step_lines(result.stdout) == [("PASS", name) for name in ALL_STEPS]
        assert result.stdout.splitlines()[-1] == f"smoke {contract_server}: all steps passed"
        assert " ms " in result.stdout.splitlines()[0]

    @pytest.mark.parametrize("contract_server", ["job"], indirect=True)
    def test_a_failed_job_fails_the_run_and_still_cleans_up(self, contract_server: str) -> None:
        result = run_cli(contract_server)
        assert result.returncode == 1
        lines = step_lines(result.stdout)
        assert ("FAIL", "job") in lines
        assert all(name != "download" for _, name in lines), "no download after a failed job"
        assert lines[-1] == ("PASS", "clean up")
        assert "renderer crashed" in result.stdout

    @pytest.mark.parametrize("contract_server", ["event"], indirect=True)
    def test_a_missing_live_event_fails_the_run(self, contract_server: str) -> None:
        result = run_cli(contract_server)
        assert result.returncode == 1
        assert [line for line in step_lines(result.stdout) if line[0] == "FAIL"] == [("FAIL", "live event")]
        assert "no deal.created event for" in result.stdout

    @pytest.mark.parametrize("contract_server", ["csv"], indirect=True)
    def test_a_file_without_the_deal_fails_the_download(self, contract_server: str) -> None:
        result = run_cli(contract_server)
        assert result.returncode == 1
        assert [line for line in step_lines(result.stdout) if line[0] == "FAIL"] == [("FAIL", "download")]
        assert "does not name 'Smoke deal" in result.stdout

    async def test_a_stream_opened_after_the_deal_misses_its_event(self, contract_server: str) -> None:
        # The order matters: the stream must be open before the deal is created.
        async with smoke_client(contract_server) as client:
            check = SmokeCheck(client, event_timeout=2, out=lambda _: None)
            assert await check.step("sign up", check.sign_up)
            assert await check.step("create deal", check.create_deal)
            assert await check.step("live stream", check.open_stream)
            try:
                assert not await check.step("live event", check.deal_event)
            finally:
                assert check.stream is not None
                await check.stream.close()


class TestSseParser:
    def feed(self, *lines: str) -> list[SseEvent]:
        parser = SseParser()
        return [e for line in lines if (e := parser.feed(line)) is not None]

    def test_fields_multiline_data_and_comments(self) -> None:
        events = self.feed(": hello", "retry: 3000", "", "id: 7", "event: deal.created", "data: {", "data: }", "")
        assert events == [SseEvent("deal.created", "{\n}", "7")]

    def test_event_defaults_to_message_and_one_leading_space_is_dropped(self) -> None:
        assert self.feed("data:  two spaces", "") == [SseEvent("message", " two spaces", "")]

    def test_type_may_come_from_the_json_data(self) -> None:
        (event,) = self.feed('data: {"type": "deal.created", "id": "d1"}', "")
        assert "deal.created" in event.type_names()
        assert SseEvent("message", "not json", "").type_names() == {"message"}

    def test_a_changed_event_names_its_action(self) -> None:
        (event,) = self.feed("event: deal.changed", 'data: {"channel": "org:1", "data": {"action": "created"}}', "")
        assert event.type_names() == {"deal.changed", "deal.created"}
        (moved,) = self.feed("event: deal.changed", 'data: {"data": {"action": "moved"}}', "")
        assert "deal.created" not in moved.type_names()
