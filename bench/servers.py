"""Start and stop uvicorn server processes on free 127.0.0.1 ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class ServerError(RuntimeError):
    """A server process did not start or died."""


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int
    log_path: Path

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (Linux /proc), else None.

        Unlike latency, this barely moves when other processes compete for the cores.
        """
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
            ticks = os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            return None
        return (int(fields[11]) + int(fields[12])) / ticks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The parent environment without MANDATE_* settings or proxies, plus ``extra``.

    A benchmark must not pick up a developer's database, Redis or proxy by accident.
    """
    dropped = ("http_proxy", "https_proxy", "all_proxy")
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("MANDATE_") and key.lower() not in dropped
    }
    env.update(extra)
    env["NO_PROXY"] = env["no_proxy"] = HOST
    return env


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=base_url, trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(
                    f"server exited with code {proc.returncode} before it was healthy:\n" + _tail(log_path)
                )
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise ServerError(f"server not healthy after {START_TIMEOUT_S:.0f}s at {base_url}:\n" + _tail(log_path))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def uvicorn_server(
    name: str, factory: str, *, env: Mapping[str, str], log_dir: Path, workers: int = 1
) -> Iterator[Server]:
    """Run ``factory`` (``module:callable``) under uvicorn (one worker unless told), until the block exits.

    The process is stopped (SIGTERM, then SIGKILL) however the block ends.
    """
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    base_url = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            env=clean_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path.cwd(),
        )
        try:
            _wait_healthy(proc, base_url, log_path)
            yield Server(name, base_url, proc.pid, log_path)
            if proc.poll() is not None:
                raise ServerError(f"{name} died during the run:\n" + _tail(log_path))
        finally:
            _stop(proc)
