"""A real uvicorn process serving the app on 127.0.0.1, for tests that need a network peer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 180  # several processes importing the app on a busy two-core machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the server exited ({process.returncode}):\n{log_path.read_text()[-4000:]}")
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a starting process, not synchronising a test
    pytest.fail(f"the server did not answer /healthz within {SERVER_START_SECONDS}s:\n{log_path.read_text()[-4000:]}")


@contextmanager
def uvicorn_server(env: dict[str, str], port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `mandate.app:create_app` with `env`; stop it however the block ends."""
    command = [sys.executable, "-m", "uvicorn", "mandate.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with server_process(command, env, log_path) as process:
        yield process


@contextmanager
def server_process(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server command with `env` from the checkout; stop it however the block ends."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def mandate_command(*args: str) -> list[str]:
    """The installed `mandate` script of this environment, as a deployment runs it."""
    return [str(Path(sys.executable).with_name("mandate")), *args]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any MANDATE_ or PROMETHEUS_ setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MANDATE_", "PROMETHEUS_"))}
    env.update(settings)
    return env
