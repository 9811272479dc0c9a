from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mandate.app import create_app
from mandate.config import Mode, Settings
from mandate.kit.metrics import job_enqueued, observe_job
from tests.helpers.live import clean_env, free_port, mandate_command, server_process, wait_until_healthy

pytestmark = pytest.mark.anyio

GET_HEALTHZ = {"method": "GET", "route": "/healthz", "status": "2xx"}
# Counted across processes; not /healthz, which the start-up wait polls an uncertain number of times.
GET_READYZ = {"method": "GET", "route": "/readyz", "status": "2xx"}


def sample(exposition: str, name: str, **labels: str) -> float:
    """Sum of the samples called `name` whose labels include `labels` (0 when there are none)."""
    total = 0.0
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name and labels.items() <= s.labels.items():
                total += s.value
    return total


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


def client_from(app: Any, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://testserver")


class TestRequestMetrics:
    async def test_counter_and_histogram_move_after_requests(self, client: httpx.AsyncClient) -> None:
        before = await scrape(client)
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
        after = await scrape(client)
        counted = sample(after, "mandate_http_requests_total", **GET_HEALTHZ)
        assert counted - sample(before, "mandate_http_requests_total", **GET_HEALTHZ) == 3
        timed = sample(after, "mandate_http_request_duration_seconds_count", **GET_HEALTHZ)
        assert timed - sample(before, "mandate_http_request_duration_seconds_count", **GET_HEALTHZ) == 3

    async def test_routes_are_labelled_by_template_not_path(self, client: httpx.AsyncClient) -> None:
        deal_path = "/api/deals/8f1f3c38-0000-4000-8000-000000000001"
        for path in (deal_path, "/api/deals/8f1f3c38-0000-4000-8000-000000000002", "/no/such/page-1"):
            await client.get(path)
        text = await scrape(client)
        assert "8f1f3c38" not in text and "page-1" not in text
        labels = {"method": "GET", "route": "/api/deals/{deal_id}", "status": "4xx"}
        assert sample(text, "mandate_http_requests_total", **labels) >= 2
        assert sample(text, "mandate_http_requests_total", route="unmatched") >= 1

    async def test_mounted_files_share_one_label(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/static/app.css")).status_code == 200
        assert (await client.get("/static/missing-file.css")).status_code == 404
        text = await scrape(client)
        assert "missing-file" not in text
        assert sample(text, "mandate_http_requests_total", route="/static/{path}", status="2xx") >= 1
        assert sample(text, "mandate_http_requests_total", route="/static/{path}", status="4xx") >= 1

    async def test_unknown_methods_are_folded_together(self, client: httpx.AsyncClient) -> None:
        before = sample(await scrape(client), "mandate_http_requests_total", method="OTHER", route="/healthz")
        await client.request("BREW", "/healthz")
        text = await scrape(client)
        assert 'method="BREW"' not in text
        assert sample(text, "mandate_http_requests_total", method="OTHER", route="/healthz") == before + 1


class TestJobMetrics:
    async def test_enqueued_and_finished_jobs_are_counted(self, client: httpx.AsyncClient) -> None:
        before = await scrape(client)
        job_enqueued("test_metrics_export")
        observe_job("test_metrics_export", "succeeded", 1.5)
        observe_job("test_metrics_export", "failed", 0.2)
        after = await scrape(client)
        job = {"job": "test_metrics_export"}
        assert (
            sample(after, "mandate_jobs_enqueued_total", **job) - sample(before, "mandate_jobs_enqueued_total", **job)
            == 1
        )
        assert sample(after, "mandate_jobs_total", outcome="succeeded", **job) == 1
        assert sample(after, "mandate_jobs_total", outcome="failed", **job) == 1
        assert sample(after, "mandate_job_duration_seconds_sum", outcome="succeeded", **job) == 1.5
        assert sample(after, "mandate_job_duration_seconds_bucket", outcome="succeeded", le="1.0", **job) == 0
        assert sample(after, "mandate_job_duration_seconds_bucket", outcome="succeeded", le="2.5", **job) == 1


class TestWhoMayRead:
    async def test_embedded_mode_serves_loopback_only(self, app: Any) -> None:
        async with client_from(app, "127.0.0.1") as local, client_from(app, "203.0.113.7") as remote:
            assert (await local.get("/metrics")).status_code == 200
            response = await remote.get("/metrics")
        assert response.status_code == 404
        assert "mandate_http" not in response.text

    async def test_a_configured_token_is_required_even_from_loopback(self, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"metrics_token": "scrape-token-123"}))
        try:
            async with client_from(app, "127.0.0.1") as local:
                missing = await local.get("/metrics")
                wrong = await local.get("/metrics", headers={"Authorization": "Bearer scrape-token-12"})
                right = await scrape(local, Authorization="Bearer scrape-token-123")
        finally:
            await app.state.engine.dispose()
        for refused in (missing, wrong):
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
        assert "mandate_http_requests_total" in right

    async def test_production_without_a_token_serves_nobody(self, settings: Settings) -> None:
        production = settings.model_copy(
            update={
                "mode": Mode.PRODUCTION,
                "secret_key": "p" * 40,
                "database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                "redis_url": "redis://127.0.0.1:1/0",
            }
        )
        app = create_app(production)
        try:
            async with client_from(app, "127.0.0.1") as local:
                response = await local.get("/metrics")
        finally:
            await app.state.engine.dispose()
        assert response.status_code == 404


def pids_writing(directory: Path) -> set[int]:
    return {int(m.group(1)) for p in directory.iterdir() if (m := re.fullmatch(r"counter_(\d+)\.db", p.name))}


class TestMultiprocess:
    """`mandate serve --workers 2` with PROMETHEUS_MULTIPROC_DIR: any worker's /metrics covers every process."""

    def test_two_workers_and_a_job_process_are_summed(self, tmp_path: Path) -> None:
        port, token, metrics_dir = free_port(), "multiprocess-scrape-token", tmp_path / "prometheus"
        url = f"http://127.0.0.1:{port}"
        env = clean_env(
            MANDATE_DATA_DIR=str(tmp_path / "data"),
            MANDATE_SEED_DEMO="false",
            MANDATE_METRICS_TOKEN=token,
            MANDATE_LOG_LEVEL="WARNING",
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        )
        log_path = tmp_path / "serve.log"
        with server_process(mandate_command("serve", "--port", str(port), "--workers", "2"), env, log_path) as process:
            wait_until_healthy(url, process, log_path)
            sent = spread_over_workers(url, metrics_dir)
            writers = pids_writing(metrics_dir)
            assert len(writers) == 2, f"requests reached {writers}"
            assert all(Path(f"/proc/{pid}").exists() for pid in writers)
            record_job_in_another_process(env)
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(4):  # new connections: whichever worker answers reports the same totals
                text = httpx.get(f"{url}/metrics", headers=headers).raise_for_status().text
                assert sample(text, "mandate_http_requests_total", **GET_READYZ) == sent
                assert sample(text, "mandate_jobs_total", job="deal_export", outcome="succeeded") == 1
                assert sample(text, "mandate_jobs_enqueued_total", job="deal_export") == 1


def spread_over_workers(url: str, metrics_dir: Path, batch: int = 16, batches: int = 40) -> int:
    """Send concurrent /readyz requests on fresh connections until both workers have answered some."""

    def one(_: int) -> None:
        httpx.get(f"{url}/readyz", timeout=60).raise_for_status()

    sent = 0
    with ThreadPoolExecutor(max_workers=batch) as pool:
        for _ in range(batches):
            list(pool.map(one, range(batch)))
            sent += batch
            if len(pids_writing(metrics_dir)) >= 2:
                break
    return sent


def record_job_in_another_process(env: dict[str, str]) -> None:
    code = (
        "from mandate.kit.metrics import job_enqueued, observe_job\n"
        "job_enqueued('deal_export')\n"
        "observe_job('deal_export', 'succeeded', 0.75)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
