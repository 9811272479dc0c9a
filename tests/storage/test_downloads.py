"""Signed download links through the real app, on both backends; nothing is served without one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mandate.organization.service import invitation_signer
from mandate.storage import DownloadLinks, Storage
from tests.helpers.api import assert_problem
from tests.helpers.fixtures import client_for

pytestmark = pytest.mark.anyio

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def anonymous(started_app: Any) -> Any:
    """No cookie, no token: a download link is all a client needs."""
    async with client_for(started_app) as client:
        yield client


def links(app: Any) -> DownloadLinks:
    result: DownloadLinks = app.state.runtime.downloads
    return result


def token_of(url: str) -> str:
    return url.rsplit("/files/", 1)[1]


class TestDownload:
    async def test_link_streams_the_file_as_an_attachment(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient
    ) -> None:
        body = b"%PDF-1.7 " + bytes(range(256)) * 4000
        await storage.put_bytes("org/1/exports/q3.pdf", body, content_type="application/pdf")
        url = links(started_app).signed_url(
            "org/1/exports/q3.pdf", filename="Q3 report \u2014 d\u00e9j\u00e0 vu.pdf", content_type="application/pdf"
        )
        assert url.startswith("http://testserver/files/")
        r = await anonymous.get(url)
        assert r.status_code == 200, r.text
        assert r.content == body
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-length"] == str(len(body))
        assert r.headers["cache-control"] == "private, no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"] == (
            'attachment; filename="Q3 report _ deja vu.pdf"; '
            "filename*=UTF-8''Q3%20report%20%E2%80%94%20d%C3%A9j%C3%A0%20vu.pdf"
        )

    async def test_large_file_streams_whole(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        data = bytes(range(251)) * 20_000  # ~5 MB, many chunks
        (tmp_path / "export.csv").write_bytes(data)
        await storage.put_file("exports/all.csv", tmp_path / "export.csv", content_type="text/csv")
        url = links(started_app).signed_url("exports/all.csv", filename="all.csv", content_type="text/csv")
        async with anonymous.stream("GET", url) as r:
            assert r.status_code == 200
            chunks = [c async for c in r.aiter_raw()]
        assert b"".join(chunks) == data
        assert r.headers["content-type"] == "text/csv; charset=utf-8"

    async def test_link_names_the_filename_safely(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient
    ) -> None:
        await storage.put_bytes("k.txt", b"x", content_type="text/plain")
        url = links(started_app).signed_url(
            "k.txt", filename='../../etc/"passwd"\r\nSet-Cookie: a=b', content_type="text/plain"
        )
        r = await anonymous.get(url)
        assert r.status_code == 200
        disposition = r.headers["content-disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename*")[0]
        assert disposition.startswith('attachment; filename="_passwd_Set-Cookie_ a_b"; ')
        assert "set-cookie" not in r.headers

    async def test_deleted_file_is_404(self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient) -> None:
        await storage.put_bytes("short-lived.txt", b"x", content_type="text/plain")
        url = links(started_app).signed_url("short-lived.txt", filename="a.txt", content_type="text/plain")
        await storage.delete("short-lived.txt")
        assert_problem(await anonymous.get(url), 404, "not_found")


class TestRefusedLinks:
    async def test_expired_link_is_403(self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient) -> None:
        await storage.put_bytes("report.pdf", b"secret", content_type="application/pdf")
        settings = started_app.state.settings
        # Issued 301 seconds ago with a 300-second lifetime.
        earlier = DownloadLinks(
            settings.secret_key, settings.base_url, default_seconds=300, clock=lambda: time.time() - 301
        )
        url = earlier.signed_url("report.pdf", filename="r.pdf", content_type="application/pdf")
        body = assert_problem(await anonymous.get(url), 403, "download_link_invalid")
        assert "secret" not in str(body)
        fresh = links(started_app).signed_url("report.pdf", filename="r.pdf", content_type="application/pdf")
        assert (await anonymous.get(fresh)).status_code == 200  # the same file with a live link

    async def test_link_signed_with_another_secret_is_403(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient
    ) -> None:
        await storage.put_bytes("report.pdf", b"secret", content_type="application/pdf")
        forger = DownloadLinks("not-the-app-secret", "http://testserver", default_seconds=300)
        url = forger.signed_url("report.pdf", filename="r.pdf", content_type="application/pdf")
        assert_problem(await anonymous.get(url), 403, "download_link_invalid")

    async def test_altered_token_is_403(self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient) -> None:
        await storage.put_bytes("a.txt", b"a", content_type="text/plain")
        await storage.put_bytes("b.txt", b"b", content_type="text/plain")
        url_a = links(started_app).signed_url("a.txt", filename="a.txt", content_type="text/plain")
        url_b = links(started_app).signed_url("b.txt", filename="b.txt", content_type="text/plain")
        # A token is payload.timestamp.signature: b's payload under a's signature.
        payload_b = token_of(url_b).rsplit(".", 2)[0]
        stamp_a, signature_a = token_of(url_a).rsplit(".", 2)[1:]
        spliced = f"{payload_b}.{stamp_a}.{signature_a}"
        assert_problem(await anonymous.get(f"/files/{spliced}"), 403, "download_link_invalid")
        token = token_of(url_a)
        middle = len(token) - 10  # inside the signature (its last character holds padding bits)
        flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
        assert_problem(await anonymous.get(f"/files/{flipped}"), 403, "download_link_invalid")

    async def test_other_signed_tokens_are_not_download_links(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient
    ) -> None:
        """An invitation link is signed with the same secret, under another salt."""
        await storage.put_bytes("a.txt", b"a", content_type="text/plain")
        token = invitation_signer(started_app.state.settings.secret_key).sign(
            {"k": "a.txt", "f": "a.txt", "t": "text/plain", "e": int(time.time()) + 300}
        )
        assert_problem(await anonymous.get(f"/files/{token}"), 403, "download_link_invalid")

    @pytest.mark.parametrize("token", ["a.txt", "garbage", "x" * 2000, "a.b.c"])
    async def test_garbage_is_403(self, started_app: Any, anonymous: httpx.AsyncClient, token: str) -> None:
        assert_problem(await anonymous.get(f"/files/{token}"), 403, "download_link_invalid")

    async def test_a_browser_gets_the_error_page(self, started_app: Any, anonymous: httpx.AsyncClient) -> None:
        r = await anonymous.get("/files/garbage", headers={"Accept": BROWSER_ACCEPT})
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/html")
        assert "This download link has expired or is not valid" in r.text


def static_directories(app: Any) -> tuple[Path, list[Path]]:
    """The data directory and every directory a static mount serves, resolved."""
    mounts = [r for r in app.routes if isinstance(r, Mount) and isinstance(r.app, StaticFiles)]
    return Path(app.state.settings.data_dir).resolve(), [Path(str(m.app.directory)).resolve() for m in mounts]


class TestNothingElseServesStoredFiles:
    async def test_no_static_mount_reaches_the_data_directory(self, started_app: Any) -> None:
        data_dir, directories = static_directories(started_app)
        assert directories, "the app is expected to mount its static assets"
        for directory in directories:
            assert not data_dir.is_relative_to(directory), directory
            assert not directory.is_relative_to(data_dir), directory

    @pytest.mark.parametrize(
        "path",
        [
            "/data/files/org/1/secret.pdf",
            "/files/org/1/secret.pdf",
            "/static/../data/files/org/1/secret.pdf",
            "/static/..%2F..%2F..%2Fdata/files/org/1/secret.pdf",
            "/files/..%2Fsecret_key",
            "/data/secret_key",
        ],
    )
    async def test_stored_file_is_not_reachable_by_path(
        self, storage: Storage, started_app: Any, anonymous: httpx.AsyncClient, path: str
    ) -> None:
        await storage.put_bytes("org/1/secret.pdf", b"TOP-SECRET-CONTENT", content_type="application/pdf")
        r = await anonymous.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert b"TOP-SECRET-CONTENT" not in r.content
        assert b"test-secret-key" not in r.content
