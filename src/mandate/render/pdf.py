"""HTML -> PDF bytes with WeasyPrint, in the house print style (`print.css`).

Only `data:` URLs are fetched while rendering: user-written HTML cannot make the server read local
files or call internal addresses. Fonts come from the system (DejaVu, Liberation) and are embedded,
subset by HarfBuzz (Debian `libharfbuzz-subset0`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mandate.kit.logging import get_logger
from mandate.render.page import PageSize

HERE = Path(__file__).parent
PRINT_CSS = HERE / "print.css"
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2"
log = get_logger(__name__)


@dataclass(frozen=True)
class Letterhead:
    """The block repeated at the top of every page."""

    name: str
    lines: tuple[str, ...] = ()  # address, registration number...
    note: str | None = None  # e.g. "Strictly private and confidential"
    logo_data_uri: str | None = None


@dataclass(frozen=True)
class TitleBlock:
    title: str
    subtitle: str | None = None
    meta: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # ("Prepared for", "Atlas board")


@cache
def _weasyprint() -> ModuleType:
    try:
        import weasyprint
    except OSError as exc:  # the Python package loads Pango and HarfBuzz through ffi
        hint = f"PDF rendering needs system libraries; on Debian: apt-get install {SYSTEM_PACKAGES}"
        raise RuntimeError(hint) from exc
    if subsetting_backend() != "harfbuzz":
        log.warning("pdf_font_subsetting_slow", hint="apt-get install libharfbuzz-subset0")
    module: ModuleType = weasyprint
    return module


def subsetting_backend() -> str:
    """How embedded fonts are subset: "harfbuzz" (fast, libharfbuzz-subset0) or "fonttools" (slow)."""
    from weasyprint.text.ffi import harfbuzz_subset

    return "fonttools" if harfbuzz_subset is None else "harfbuzz"


@cache
def _print_css() -> str:
    return PRINT_CSS.read_text(encoding="utf-8")


def html_to_pdf(html: str, *, page_size: PageSize = PageSize.A4, extra_css: Sequence[str] = ()) -> bytes:
    """Render a full HTML document with the print stylesheet on `page_size` paper."""
    weasyprint = _weasyprint()
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    stylesheets = [_print_css(), f"@page {{ size: {page_size.value}; }}", *extra_css]
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher) for css in stylesheets]
    )
    return pdf


@cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True), auto_reload=False
    )


def print_document_html(
    title: TitleBlock,
    body_html: str,
    *,
    letterhead: Letterhead | None = None,
    lang: str = "en",
    cover: bool = False,
    inline_css: str | None = None,
) -> str:
    """A full HTML page: letterhead, title block (alone on a cover page when `cover`), then `body_html`
    (already sanitised HTML). `inline_css` makes the page stand alone outside the PDF renderer."""
    template = _templates().get_template("print/document.html")
    return template.render(
        title=title, body_html=body_html, letterhead=letterhead, lang=lang, cover=cover, inline_css=inline_css
    )


def document_pdf(
    title: TitleBlock,
    body_html: str,
    *,
    letterhead: Letterhead | None = None,
    page_size: PageSize = PageSize.A4,
    cover: bool = False,
) -> bytes:
    html = print_document_html(title, body_html, letterhead=letterhead, cover=cover)
    return html_to_pdf(html, page_size=page_size)
