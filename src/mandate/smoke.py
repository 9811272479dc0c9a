"""`mandate smoke`: check a running deployment end to end through its public HTTP interface.

Steps, one PASS/FAIL line each with its time: health and readiness; sign up a throwaway account
(`smoke-<hex>@example.com`) and get a bearer token; open the organization's live stream; create a
deal and see its `deal.created` event arrive; export the deals as a job, poll it until it succeeds
and download the CSV; delete the deal. A step whose prerequisite failed is not attempted.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "mandate-smoke/1"
POLL_SECONDS = 0.5
CREATED = "deal.created"
# Some servers subscribe a stream just after sending its headers; its first line proves it listens.
FIRST_LINE_GRACE_SECONDS = 1.0


class StepFailed(Exception):
    """A check did not hold; the message says what was seen."""


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<14} {self.seconds * 1000:8.0f} ms  {self.detail}"


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    id: str

    def json(self) -> Any:
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    def type_names(self) -> set[str]:
        """What the event says happened: its `event:` field, a `type`/`event` key in its JSON data, and
        `<kind>.<action>` when a general event carries an action (`deal.changed` + `created`)."""
        names = {self.event}
        body = self.json()
        for part in (body, body.get("data") if isinstance(body, dict) else None):
            if isinstance(part, dict):
                names |= {str(part[k]) for k in ("type", "event") if k in part}
                if "action" in part:
                    names.add(f"{self.event.split('.')[0]}.{part['action']}")
        return names


class SseParser:
    """The text/event-stream framing: fields per line, an event per blank line, comments ignored."""

    def __init__(self) -> None:
        self._event, self._id = "", ""
        self._data: list[str] = []

    def feed(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id":
            self._id = value
        return None

    def _dispatch(self) -> SseEvent | None:
        event = SseEvent(self._event or "message", "\n".join(self._data), self._id) if self._data else None
        self._event, self._data = "", []
        return event


class EventStream:
    """An SSE response read by a background task; parsed events wait in a queue."""

    def __init__(self, client: httpx.AsyncClient, path: str, params: dict[str, str]) -> None:
        self._client, self._path, self._params = client, path, params
        self._events: asyncio.Queue[SseEvent] = asyncio.Queue()
        self._opened = asyncio.Event()
        self._first_line = asyncio.Event()
        self._failure = ""
        self._task: asyncio.Task[None] | None = None

    async def open(self, within: float) -> None:
        self._task = asyncio.create_task(self._read())
        try:
            await asyncio.wait_for(self._opened.wait(), within)
        except TimeoutError as exc:
            raise StepFailed(f"no response within {within:.0f}s") from exc
        if self._failure:
            raise StepFailed(self._failure)
        with contextlib.suppress(TimeoutError):  # a quiet stream is fine; it has nothing to say yet
            await asyncio.wait_for(self._first_line.wait(), FIRST_LINE_GRACE_SECONDS)

    async def wait_for(self, matches: Callable[[SseEvent], bool], within: float) -> SseEvent | None:
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(self._events.get(), left)
            except TimeoutError:
                return None
            if matches(event):
                return event
        return None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _read(self) -> None:
        timeout = httpx.Timeout(10.0, read=None)  # a stream stays open; heartbeats are optional
        try:
            async with self._client.stream("GET", self._path, params=self._params, timeout=timeout) as response:
                if not await self._opened_ok(response):
                    return
                parser = SseParser()
                async for line in response.aiter_lines():
                    self._first_line.set()
                    if (event := parser.feed(line)) is not None:
                        self._events.put_nowait(event)
        except httpx.HTTPError as exc:
            self._failure = self._failure or f"{type(exc).__name__}: {exc}"
        finally:
            self._opened.set()

    async def _opened_ok(self, response: httpx.Response) -> bool:
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith("text/event-stream"):
            body = (await response.aread())[:200].decode(errors="replace")
            self._failure = f"{response.status_code} {kind or 'no content type'}: {body}"
            return False
        self._opened.set()
        return True


def _expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise StepFailed(f"{response.request.method} {response.url.path}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


class SmokeCheck:
    """The steps in order, against one deployment; `run()` prints a line per step and returns success."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        job_timeout: float = 60.0,
        event_timeout: float = 10.0,
        out: Callable[[str], None] = print,
    ) -> None:
        self.client, self.job_timeout, self.event_timeout, self.out = client, job_timeout, event_timeout, out
        self.results: list[StepResult] = []
        self.suffix = secrets.token_hex(4)
        self.deal_name = f"Smoke deal {self.suffix}"
        self.org_id = self.deal_id = self.job_id = self.download_url = ""
        self.stream: EventStream | None = None

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    async def run(self) -> bool:
        await self.step("healthz", self.healthz)
        await self.step("readyz", self.readyz)
        if await self.step("sign up", self.sign_up):
            try:
                await self._deal_steps()
            finally:
                if self.stream is not None:
                    await self.stream.close()
        return self.ok

    async def _deal_steps(self) -> None:
        live = await self.step("live stream", self.open_stream)
        if not await self.step("create deal", self.create_deal):
            return
        if live:
            await self.step("live event", self.deal_event)
        for name, action in (("export", self.start_export), ("job", self.wait_for_job), ("download", self.download)):
            if not await self.step(name, action):
                break
        await self.step("clean up", self.clean_up)

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> bool:
        started = time.perf_counter()
        try:
            detail, ok = await action(), True
        except StepFailed as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # a smoke check reports every failure as a line, it does not crash
            detail, ok = f"{type(exc).__name__}: {exc}", False
        result = StepResult(name, ok, time.perf_counter() - started, detail)
        self.results.append(result)
        self.out(result.line())
        return ok

    async def healthz(self) -> str:
        _expect(await self.client.get("/healthz"), 200)
        return "process up"

    async def readyz(self) -> str:
        body = _expect(await self.client.get("/readyz"), 200)
        return ", ".join(f"{name} {state}" for name, state in body.get("checks", {}).items()) or "ready"

    async def sign_up(self) -> str:
        email, password = f"smoke-{self.suffix}@example.com", secrets.token_urlsafe(18)
        payload = {"email": email, "password": password, "full_name": "Smoke Check"}
        body = _expect(
            await self.client.post(
                "/api/auth/signup", json={**payload, "organization_name": f"Smoke check {self.suffix}"}
            ),
            201,
        )
        self.org_id = body["organization"]["id"]
        self.client.cookies.clear()  # act through the bearer token only, as an API client would
        token = _expect(await self.client.post("/api/auth/token", json={"email": email, "password": password}), 200)
        self.client.headers["Authorization"] = f"Bearer {token['access_token']}"
        return f"{email}, organization {self.org_id}"

    async def open_stream(self) -> str:
        self.stream = EventStream(self.client, "/api/live", {"channel": f"org:{self.org_id}"})
        await self.stream.open(self.event_timeout)
        return f"subscribed to org:{self.org_id}"

    async def create_deal(self) -> str:
        body = _expect(
            await self.client.post("/api/deals", json={"name": self.deal_name, "target_company": "Smoke Ltd"}), 201
        )
        self.deal_id = body["id"]
        return f"{self.deal_name} ({self.deal_id})"

    async def deal_event(self) -> str:
        assert self.stream is not None

        def is_ours(event: SseEvent) -> bool:
            return CREATED in event.type_names() and self.deal_id in event.data

        event = await self.stream.wait_for(is_ours, self.event_timeout)
        if event is None:
            raise StepFailed(f"no {CREATED} event for {self.deal_id} within {self.event_timeout:.0f}s")
        return f"event {event.event!r} id {event.id or '-'}"

    async def start_export(self) -> str:
        body = _expect(await self.client.post("/api/deals/exports"), 202)
        self.job_id = str(body["job_id"])
        expected = f"/api/jobs/{self.job_id}"
        if urlsplit(str(body.get("poll_url", ""))).path != expected:
            raise StepFailed(f"poll_url {body.get('poll_url')!r} is not {expected}")
        return f"job {self.job_id} {body['status']}"

    async def wait_for_job(self) -> str:
        deadline, status = time.monotonic() + self.job_timeout, ""
        while time.monotonic() < deadline:
            body = _expect(await self.client.get(f"/api/jobs/{self.job_id}"), 200)
            status = body["status"]
            if status == "succeeded":
                result = body.get("result") or {}
                self.download_url = result.get("download_url") or body.get("download_url") or ""
                if not self.download_url:
                    raise StepFailed(f"succeeded without a download_url: {body}")
                return "succeeded"
            if status == "failed":
                raise StepFailed(f"job failed: {body.get('error') or body}")
            await asyncio.sleep(POLL_SECONDS)
        raise StepFailed(f"still {status} after {self.job_timeout:.0f}s")

    async def download(self) -> str:
        response = await self._fetch(self.download_url)
        if response.status_code != 200:
            raise StepFailed(f"download: {response.status_code} {response.text[:200]}")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        if not any(self.deal_name in cell for row in rows for cell in row):
            raise StepFailed(f"the CSV ({len(rows)} rows) does not name {self.deal_name!r}")
        return f"{len(rows)} rows, {response.headers.get('content-type', 'no content type')}"

    async def _fetch(self, url: str) -> httpx.Response:
        """Our own origin gets the bearer token; a storage host (a presigned link) must not."""
        absolute = urljoin(str(self.client.base_url), url)
        if urlsplit(absolute)[:2] == urlsplit(str(self.client.base_url))[:2]:
            return await self.client.get(absolute)
        async with httpx.AsyncClient(timeout=self.client.timeout) as plain:
            return await plain.get(absolute)

    async def clean_up(self) -> str:
        _expect(await self.client.delete(f"/api/deals/{self.deal_id}"), 204)
        return "deal deleted"


def smoke_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=15.0, headers={"User-Agent": USER_AGENT})


async def _run(base_url: str, job_timeout: float, event_timeout: float) -> bool:
    async with smoke_client(base_url) as client:
        check = SmokeCheck(client, job_timeout=job_timeout, event_timeout=event_timeout)
        ok = await check.run()
    failed = [r.name for r in check.results if not r.ok]
    print(f"smoke {base_url}: " + ("all steps passed" if ok else f"FAILED ({', '.join(failed)})"))
    return ok


def run_smoke(base_url: str, *, job_timeout: float = 60.0, event_timeout: float = 10.0) -> bool:
    return asyncio.run(_run(base_url, job_timeout, event_timeout))
