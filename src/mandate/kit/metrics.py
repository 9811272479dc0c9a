"""Prometheus metrics: HTTP and job counters and latency histograms, and the text exposition.

With `PROMETHEUS_MULTIPROC_DIR` set in the environment before the process starts, every process
(each uvicorn worker, each job worker) writes its samples to files in that directory and `/metrics`
sums them all, so one scrape of any web process covers the whole host. Without it the process's own
registry is exposed. Labels are bounded: the route *template*, a method from a fixed set and the
status class, never the raw path.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mandate.config import Mode, Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

HTTP_REQUESTS = Counter("mandate_http_requests", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "mandate_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route", "status"]
)
JOBS_ENQUEUED = Counter("mandate_jobs_enqueued", "Jobs handed to the queue", ["job"])
JOBS = Counter("mandate_jobs", "Job runs finished", ["job", "outcome"])
JOB_LATENCY = Histogram("mandate_job_duration_seconds", "Time a job run took", ["job", "outcome"], buckets=_JOB_BUCKETS)


def job_enqueued(name: str) -> None:
    """Count a job handed to the queue (after the commit that wrote its intent)."""
    JOBS_ENQUEUED.labels(job=name).inc()


def observe_job(name: str, outcome: str, seconds: float) -> None:
    """Count one finished run of job `name`; `outcome` is a fixed word such as succeeded, failed, retried."""
    JOBS.labels(job=name, outcome=outcome).inc()
    JOB_LATENCY.labels(job=name, outcome=outcome).observe(seconds)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = {"method": method if method in _METHODS else "OTHER", "route": route, "status": f"{status // 100}xx"}
    HTTP_REQUESTS.labels(**labels).inc()
    HTTP_LATENCY.labels(**labels).observe(seconds)


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV, "")
    return Path(value) if value else None


def prepare_multiprocess_dir() -> None:
    """Create the shared directory before any process writes to it (its contents are the host's totals)."""
    path = multiprocess_dir()
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)


def _registry() -> CollectorRegistry:
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]
    return registry


def exposition() -> bytes:
    """The Prometheus text format: every process's samples in multiprocess mode, else this process's."""
    return generate_latest(_registry())


def serve_worker_metrics(host: str, port: int) -> None:
    """A job worker in its own container has no web server: expose its metrics on a port of its own."""
    start_http_server(port, addr=host, registry=_registry())


def may_read(settings: Settings, authorization: str, client_host: str | None) -> bool | None:
    """True: allowed. False: a token is configured and was not presented. None: metrics are not offered.

    With `MANDATE_METRICS_TOKEN` set only that bearer token reads them. Without it, only a loopback
    peer in embedded mode does: in production the peer address may come from forwarded headers.
    """
    if settings.metrics_token:
        scheme, _, presented = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), settings.metrics_token.encode())
    if settings.mode is Mode.EMBEDDED and client_host is not None and _is_loopback(client_host):
        return True
    return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def route_template(scope: Scope, root_path: str) -> str:
    """The matched route's path template, a mount's prefix, or `unmatched`; never the raw path."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if isinstance(template, str):
        return template
    mounted = str(scope.get("root_path", ""))
    if "app_root_path" in scope and len(mounted) > len(root_path):
        return mounted[len(root_path) :] + "/{path}"
    return UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status class."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            observe_request(scope["method"], route_template(scope, root_path), status, time.perf_counter() - started)
