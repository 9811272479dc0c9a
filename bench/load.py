"""A closed-loop HTTP load generator: N concurrent clients, bounded by count and by time.

Targets are measured in interleaved rounds (floor, app, app, floor, ...) so that drift on a
shared machine (CPU frequency, neighbours, caches) lands on both sides of the ratio.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx


class LoadError(RuntimeError):
    """The target answered with something other than the expected response."""


@dataclass(frozen=True)
class LoadConfig:
    requests: int = 2000
    warmup: int = 200
    concurrency: int = 20
    rounds: int = 4
    time_limit_s: float = 120.0
    timeout_s: float = 30.0


# Sends one request as client number N (writes that carry per-client state); the default is a GET.
Sender = Callable[[int, httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expected_length: int | None = None
    cpu_seconds: Callable[[], float | None] | None = None  # the server's CPU clock, if known
    send: Sender | None = None


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    wall_s: float = 0.0
    timed_out: bool = False
    server_cpu_s: float | None = None

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_s is None or not self.latencies_ms:
            return None
        return self.server_cpu_s * 1000 / len(self.latencies_ms)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def mean_ms(self) -> float:
        return sum(self.latencies_ms) / len(self.latencies_ms) if self.latencies_ms else math.nan

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


async def _phase(target: Target, clients: Sequence[httpx.AsyncClient], count: int, budget_s: float) -> LoadResult:
    """Send ``count`` requests from all clients at once; stop early when the budget runs out."""
    remaining = count
    result = LoadResult()
    errors: list[str] = []
    deadline = time.monotonic() + budget_s

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0 and not errors:
            if time.monotonic() > deadline:
                result.timed_out = True
                return
            remaining -= 1
            started = time.perf_counter()
            response = await (target.send(index, client) if target.send else client.get(target.path))
            body = await response.aread()
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or (
                target.expected_length is not None and len(body) != target.expected_length
            ):
                errors.append(f"{response.status_code} ({len(body)} bytes): {body[:300]!r}")
                return
            result.latencies_ms.append(elapsed_ms)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    result.wall_s = time.perf_counter() - started
    if errors:
        raise LoadError(f"{target.name}: bad response from {target.path}: {errors[0]}")
    return result


def _clients(target: Target, config: LoadConfig) -> list[httpx.AsyncClient]:
    """One client per simulated user, each with its own keep-alive connection."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return [
        httpx.AsyncClient(
            base_url=target.base_url,
            headers=dict(target.headers),
            limits=limits,
            timeout=config.timeout_s,
            trust_env=False,  # never a proxy: all traffic stays on 127.0.0.1
        )
        for _ in range(config.concurrency)
    ]


async def measure(targets: Sequence[Target], config: LoadConfig) -> dict[str, LoadResult]:
    """Warm every target up, then measure ``config.requests`` per target in interleaved rounds.

    Each target gets at most ``config.time_limit_s`` of measured time; a target that runs out
    is marked ``timed_out`` with the requests it completed. Any non-200 or wrongly sized
    response fails the run.
    """
    pools = {t.name: _clients(t, config) for t in targets}
    results = {t.name: LoadResult() for t in targets}
    try:
        for target in targets:
            await _phase(target, pools[target.name], max(config.warmup, config.concurrency), 60.0)
        # Server CPU over the whole measured span: an idle server burns next to nothing while
        # the other target is loaded, and one long span keeps clock-tick rounding small.
        cpu_before = {t.name: t.cpu_seconds() if t.cpu_seconds else None for t in targets}
        for i, count in enumerate(_split(config.requests, max(config.rounds, 1))):
            order = targets if i % 2 == 0 else list(reversed(targets))
            for target in order:
                total = results[target.name]
                budget = config.time_limit_s - total.wall_s
                if count == 0 or total.timed_out or budget <= 0:
                    total.timed_out = total.timed_out or budget <= 0
                    continue
                phase = await _phase(target, pools[target.name], count, budget)
                total.latencies_ms += phase.latencies_ms
                total.wall_s += phase.wall_s
                total.timed_out = total.timed_out or phase.timed_out
        for target in targets:
            before = cpu_before[target.name]
            after = target.cpu_seconds() if target.cpu_seconds else None
            if before is not None and after is not None:
                results[target.name].server_cpu_s = after - before
    finally:
        await asyncio.gather(*(c.aclose() for pool in pools.values() for c in pool))
    return results
