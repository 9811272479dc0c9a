"""Storage fixtures: every backend test runs on local disk and on S3 (moto in server mode)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from mandate.config import Settings, StorageBackend
from mandate.storage import Storage
from tests.helpers.live import free_port

MOTO_START_SECONDS = 30


def _wait_for_moto(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + MOTO_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited ({process.returncode}):\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/moto-api/", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process, not synchronising a test
    pytest.fail(f"moto_server did not answer within {MOTO_START_SECONDS}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3 API over HTTP on 127.0.0.1, one per xdist worker, started on first use."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_moto(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def s3_settings(settings: Settings, endpoint: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_backend": StorageBackend.S3,
            "s3_endpoint_url": endpoint,
            "s3_bucket": f"mandate-test-{uuid.uuid4().hex[:16]}",  # a fresh bucket per test
            "s3_region": "eu-west-2",
            "s3_access_key_id": "test-access-key",
            "s3_secret_access_key": "test-secret-key",
            "s3_addressing_style": "path",
            "s3_create_bucket": True,
        }
    )


@pytest.fixture(params=[StorageBackend.LOCAL, StorageBackend.S3], ids=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> StorageBackend:
    backend: StorageBackend = request.param
    return backend


@pytest.fixture
def settings(settings: Settings, backend: StorageBackend, request: pytest.FixtureRequest) -> Settings:
    if backend is StorageBackend.S3:
        return s3_settings(settings, request.getfixturevalue("moto_endpoint"))
    return settings


@pytest.fixture
async def started_app(app: Any) -> AsyncIterator[Any]:
    """The app after its startup ran (which creates the bucket when the settings ask for it)."""
    # Generous limits: the first S3 call of a worker loads botocore's models on a busy machine.
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        yield app


@pytest.fixture
def storage(started_app: Any) -> Storage:
    store: Storage = started_app.state.runtime.storage
    return store
