"""PDF output read back with pypdf: text, page numbers, page sizes, embedded fonts, no fetching."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from mandate.render.markdown import markdown_to_html
from mandate.render.page import PageSize
from mandate.render.pdf import Letterhead, TitleBlock, document_pdf, html_to_pdf, subsetting_backend

SECTION = """
## Section {n}: valuation

The enterprise value of **Atlas** is set out below for scenario {n}.

| Method | Low | High |
|---|--:|--:|
| DCF | 11.{n} | 14.2 |
| Trading comps | 10.4 | 12.9 |

- Recurring revenue of 82%
- Net retention above 110%

1. Confirmatory due diligence
2. SPA negotiation
"""

TITLE = TitleBlock("Project Atlas memo", "Acquisition of Atlas Ltd", (("Prepared for", "Investment committee"),))
LETTERHEAD = Letterhead("Northbridge Capital", ("14 Fenchurch Avenue, London",), "Strictly private and confidential")


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def memo(sections: int, page_size: PageSize = PageSize.A4) -> PdfReader:
    body = markdown_to_html("".join(SECTION.format(n=n) for n in range(1, sections + 1)))
    return read(document_pdf(TITLE, body, letterhead=LETTERHEAD, page_size=page_size))


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (31, 58, 95)).save(buffer, format="PNG")
    return buffer.getvalue()


def image_count(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


class TestDocumentPdf:
    def test_text_reads_back(self) -> None:
        (page,) = text_of(memo(1))
        for expected in (
            "Northbridge Capital",
            "STRICTLY PRIVATE AND CONFIDENTIAL",
            "Project Atlas memo",
            "Acquisition of Atlas Ltd",
            "Prepared for",
            "Section 1: valuation",
            "Trading comps",
            "11.1",
            "Confirmatory due diligence",
            "Page 1 of 1",
        ):
            assert expected in page, expected

    def test_long_document_numbers_every_page(self) -> None:
        reader = memo(30)
        pages = text_of(reader)
        total = len(pages)
        assert total >= 5
        for number, text in enumerate(pages, start=1):
            assert f"Page {number} of {total}" in text
            assert "Northbridge Capital" in text  # the letterhead repeats
            assert "Project Atlas memo" in text  # the footer names the document
        assert "Section 30: valuation" in pages[-1]

    @pytest.mark.parametrize(("size", "width", "height"), [(PageSize.A4, 595.28, 841.89), (PageSize.LETTER, 612, 792)])
    def test_page_size(self, size: PageSize, width: float, height: float) -> None:
        reader = memo(3, size)
        for page in reader.pages:
            assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
            assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)

    def test_fonts_are_embedded_subsets(self) -> None:
        fonts = embedded_fonts(memo(1))
        assert fonts, "no fonts found"
        for name, embedded in fonts.items():
            assert embedded, f"{name} is not embedded"
            assert "+" in name, f"{name} is not a subset"  # subset fonts are named ABCDEF+Name
        assert any("Liberation" in name or "DejaVu" in name for name in fonts)

    def test_fonts_are_subset_with_harfbuzz(self) -> None:
        assert subsetting_backend() == "harfbuzz", "install libharfbuzz-subset0 (Debian) for fast font subsetting"

    def test_user_text_is_escaped_in_the_title_block(self) -> None:
        title = TitleBlock("<b>Q3</b> & <script>x</script>", meta=(("Client", "A & B <Ltd>"),))
        (page,) = text_of(read(document_pdf(title, "<p>Body</p>", letterhead=Letterhead("O'Neil & Co <UK>"))))
        assert "<b>Q3</b> & <script>x</script>" in page
        assert "A & B <Ltd>" in page
        assert "O'Neil & Co <UK>" in page


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


class _Recorder(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        _Recorder.paths.append(self.path)
        body = png_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that records what is asked of it."""
    _Recorder.paths = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class TestNoFetching:
    def test_data_url_images_are_embedded(self) -> None:
        uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        assert image_count(read(html_to_pdf(f'<p>Logo <img src="{uri}" alt="logo"></p>'))) == 1

    def test_network_urls_are_not_fetched(self, http_server: str) -> None:
        html = f'<link rel="stylesheet" href="{http_server}/s.css"><p><img src="{http_server}/i.png" alt="x"></p>'
        html += f'<p style="background: url({http_server}/bg.png)">text</p>'
        reader = read(html_to_pdf(html))
        assert _Recorder.paths == []
        assert image_count(reader) == 0
        assert "text" in text_of(reader)[0]

    def test_local_files_are_not_read(self, tmp_path: Path) -> None:
        image = tmp_path / "secret.png"
        image.write_bytes(png_bytes())
        reader = read(html_to_pdf(f'<p><img src="{image.as_uri()}" alt="x"> and <img src="{image}" alt="y"></p>'))
        assert image_count(reader) == 0

    def test_letterhead_logo_as_data_url(self) -> None:
        uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        pdf = document_pdf(TITLE, "<p>x</p>", letterhead=Letterhead("Northbridge", logo_data_uri=uri))
        assert image_count(read(pdf)) == 1


class TestMarkdownHtml:
    def test_raw_html_and_scripts_do_not_survive(self) -> None:
        html = markdown_to_html('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="y">')
        assert "<script" not in html and "<img" not in html  # shown as text, never as tags
        assert "&lt;script&gt;" in html
        assert 'href="javascript' not in html

    def test_table_alignment_survives(self) -> None:
        html = markdown_to_html("| a | b |\n|---|--:|\n| 1 | 2 |")
        assert '<td style="text-align:right">2</td>' in html
