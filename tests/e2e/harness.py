"""The pieces browser tests hold: the live server's address and logins, and the browser tab driver."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.axe import AxeChecker

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
# The HTTP status of the document on screen (after redirects), as the browser recorded it.
DOCUMENT_STATUS = "() => performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0"


@dataclass
class StaffLogin:
    email: str
    password: str


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    staff: StaffLogin
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15.0)


class Visitor:
    """Opens browser contexts for one test; each page it hands out is screenshotted and axe-checked."""

    def __init__(self, browser: Browser, server: LiveServer, axe: AxeChecker, test_slug: str) -> None:
        self.browser = browser
        self.server = server
        self.axe = axe
        self.test_slug = test_slug
        self.contexts: list[BrowserContext] = []
        self.pilots: list[Pilot] = []
        self.shots = 0

    def new_pilot(self, *, viewport: tuple[int, int] = (1280, 900), htmx: bool = True, **options: Any) -> Pilot:
        context = self.browser.new_context(
            base_url=self.server.url,
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="en-GB",
            timezone_id="Europe/London",
            **options,
        )
        context.set_default_timeout(10_000)
        if not htmx:
            # Without htmx every control must still work as a plain form post.
            context.route(re.compile(r"/vendor/htmx/"), lambda route: route.abort())
        self.contexts.append(context)
        pilot = Pilot(self, context.new_page())
        self.pilots.append(pilot)
        return pilot

    def next_shot(self, slug: str) -> Path:
        self.shots += 1
        return ARTIFACTS / f"{self.test_slug}-{self.shots:02d}-{slug}.png"

    def close(self) -> None:
        for context in self.contexts:
            context.close()


class Pilot:
    """One browser tab. `visit` and `check` screenshot the page and run axe on it."""

    def __init__(self, visitor: Visitor, page: Page) -> None:
        self.visitor = visitor
        self.page = page
        self.unchecked: list[str] = []
        self.server_errors: list[str] = []
        page.on("load", lambda p: self.unchecked.append(p.url))
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        if response.status >= 500 and response.url.startswith(self.visitor.server.url):
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def visit(self, path: str, *, status: int = 200) -> Page:
        response = self.page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"GET {path}: HTTP {response.status}, expected {status}"
        self.check(status=status)
        return self.page

    def submit(
        self, action: Callable[[], object], *, url: str | Pattern[str], status: int = 200, label: str = ""
    ) -> None:
        """Do something that loads a new page (a form post, a link), wait for it, then check it."""
        with self.page.expect_navigation(url=url):
            action()
        self.check(label, status=status)

    def check(self, label: str = "", *, status: int | None = 200) -> None:
        """Screenshot and axe-check what is on screen now (after a navigation or an htmx swap).

        `status` is what the last full page load must have answered (None: do not care).
        """
        self.page.wait_for_load_state("load")
        if status is not None:
            answered = self.page.evaluate(DOCUMENT_STATUS)
            assert answered == status, f"{self.page.url}: the page answered HTTP {answered}, expected {status}"
        path = re.split(r"[?#]", self.page.url.removeprefix(self.visitor.server.url), maxsplit=1)[0]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
        if label:
            slug = f"{slug}-{label}"
        shot = self.visitor.next_shot(slug[:60])
        self.page.screenshot(path=str(shot), full_page=True)
        self.visitor.axe.check(self.page, where=f"{self.page.url} ({shot.name})")
        self.unchecked.clear()
