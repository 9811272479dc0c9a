"""Download links and headers, without the app: what a link carries and what it refuses to sign."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mandate.config import Settings, StorageBackend
from mandate.storage import Download, DownloadLinks, InvalidKey, build_storage, check_key
from mandate.storage.links import MAX_LINK_SECONDS, content_disposition, safe_filename
from mandate.storage.local import LocalStorage


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def token(url: str) -> str:
    return url.rsplit("/files/", 1)[1]


class TestDownloadLinks:
    def test_a_link_carries_key_filename_and_type(self) -> None:
        links = DownloadLinks("secret", "https://app.example/", default_seconds=300)
        url = links.signed_url("org/1/a.pdf", filename="Board pack.pdf", content_type="application/pdf")
        assert url.startswith("https://app.example/files/")
        assert links.verify(token(url)) == Download("org/1/a.pdf", "Board pack.pdf", "application/pdf")

    @pytest.mark.parametrize(("elapsed", "valid"), [(0, True), (299, True), (300, False), (3600, False)])
    def test_the_link_lasts_its_lifetime(self, elapsed: int, valid: bool) -> None:
        clock = Clock(1_800_000_000.0)
        links = DownloadLinks("secret", "http://t", default_seconds=300, clock=clock)
        url = links.signed_url("a.pdf", filename="a.pdf", content_type="application/pdf")
        clock.now += elapsed
        assert (links.verify(token(url)) is not None) is valid

    def test_expires_in_overrides_the_default(self) -> None:
        clock = Clock(1_800_000_000.0)
        links = DownloadLinks("secret", "http://t", default_seconds=300, clock=clock)
        url = links.signed_url("a.pdf", filename="a.pdf", content_type="application/pdf", expires_in=3600)
        clock.now += 3000
        assert links.verify(token(url)) is not None

    @pytest.mark.parametrize("seconds", [0, -5, MAX_LINK_SECONDS + 1])
    def test_lifetime_out_of_range_is_refused(self, seconds: int) -> None:
        links = DownloadLinks("secret", "http://t", default_seconds=300)
        with pytest.raises(ValueError, match="expires_in"):
            links.signed_url("a.pdf", filename="a.pdf", content_type="application/pdf", expires_in=seconds)

    @pytest.mark.parametrize("content_type", ["", "pdf", "text/html\r\nX-Evil: 1", "a/b; evil=1", "text/"])
    def test_bad_content_type_is_refused(self, content_type: str) -> None:
        links = DownloadLinks("secret", "http://t", default_seconds=300)
        with pytest.raises(ValueError, match="content type"):
            links.signed_url("a.pdf", filename="a.pdf", content_type=content_type)

    @pytest.mark.parametrize(
        "content_type",
        [
            "application/pdf",
            "text/csv; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ],
    )
    def test_real_content_types_are_accepted(self, content_type: str) -> None:
        links = DownloadLinks("secret", "http://t", default_seconds=300)
        url = links.signed_url("a", filename="a", content_type=content_type)
        assert links.verify(token(url)) == Download("a", "a", content_type)

    def test_unsafe_key_is_refused_before_signing(self) -> None:
        links = DownloadLinks("secret", "http://t", default_seconds=300)
        with pytest.raises(InvalidKey):
            links.signed_url("../data/secret_key", filename="a", content_type="text/plain")


class TestKeys:
    @pytest.mark.parametrize("key", ["a", "org/1/exports/2026-01-01_report.v2.pdf", "A-b_c.d/e", "x" * 128])
    def test_good_keys_pass(self, key: str) -> None:
        assert check_key(key) == key


class TestFilenames:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\x\\memo.docx", "memo.docx"),
            ('say "hi".txt', "say 'hi'.txt"),
            ("line\r\nbreak.txt", "linebreak.txt"),
            ("...", "download"),
            ("", "download"),
            ("  spaced .pdf  ", "spaced .pdf"),
            ("x" * 300 + ".pdf", "x" * 150),
            ("Prüfbericht.pdf", "Prüfbericht.pdf"),
        ],
    )
    def test_safe_filename(self, given: str, expected: str) -> None:
        assert safe_filename(given) == expected

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
            ("Prüfbericht.pdf", "attachment; filename=\"Prufbericht.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht.pdf"),
            ("報告.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"),
            ("a;b=c.txt", "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%3Bb%3Dc.txt"),
        ],
    )
    def test_content_disposition(self, given: str, expected: str) -> None:
        assert content_disposition(given) == expected
        expected.encode("latin-1")  # a header value must be latin-1


class TestSettings:
    def test_s3_needs_a_bucket(self) -> None:
        with pytest.raises(ValidationError, match="MANDATE_S3_BUCKET"):
            Settings(storage_backend=StorageBackend.S3)

    def test_local_backend_lives_in_the_data_directory(self, tmp_path: Path) -> None:
        storage = build_storage(Settings(data_dir=tmp_path, secret_key="k"))
        assert isinstance(storage, LocalStorage)
        assert storage.root == (tmp_path / "files").resolve()

    def test_settings_come_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MANDATE_STORAGE_BACKEND", "s3")
        monkeypatch.setenv("MANDATE_S3_BUCKET", "mandate-files")
        monkeypatch.setenv("MANDATE_S3_ADDRESSING_STYLE", "path")
        monkeypatch.setenv("MANDATE_DOWNLOAD_LINK_SECONDS", "120")
        settings = Settings()
        assert settings.storage_backend is StorageBackend.S3
        assert (settings.s3_bucket, settings.s3_addressing_style, settings.download_link_seconds) == (
            "mandate-files",
            "path",
            120,
        )
