"""A snapshot of a document -> the bytes of its export, in each format. Pure and blocking (call it
through `asyncio.to_thread` from async code)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

from mandate.document.exports.models import ExportFormat
from mandate.render.blocks import PageBreak
from mandate.render.docx import docx_bytes
from mandate.render.markdown import markdown_to_document, markdown_to_html
from mandate.render.page import PageSize
from mandate.render.pdf import Letterhead, TitleBlock, document_pdf, print_document_html

SCREEN_CSS = Path(__file__).parent / "screen.css"
MAX_STEM = 80


@dataclass(frozen=True)
class ExportSource:
    title: str
    content: str  # Markdown
    organization: str
    version: int
    exported_on: date
    page_size: PageSize = PageSize.A4
    cover_page: bool = False

    @property
    def title_block(self) -> TitleBlock:
        meta = (("Version", str(self.version)), ("Date", self.exported_on.strftime("%d %B %Y")))
        return TitleBlock(self.title, subtitle=self.organization if self.cover_page else None, meta=meta)


@cache
def _screen_css() -> str:
    return SCREEN_CSS.read_text(encoding="utf-8")


def render_export(source: ExportSource, fmt: ExportFormat) -> bytes:
    if fmt is ExportFormat.MD:
        return source.content.encode("utf-8")
    if fmt is ExportFormat.DOCX:
        document = markdown_to_document(source.content, title=source.title)
        if source.cover_page:
            document = replace(document, blocks=(PageBreak(), *document.blocks))
        return docx_bytes(document, page_size=source.page_size)
    body = markdown_to_html(source.content)  # sanitised
    letterhead = Letterhead(source.organization)
    if fmt is ExportFormat.PDF:
        return document_pdf(
            source.title_block, body, letterhead=letterhead, page_size=source.page_size, cover=source.cover_page
        )
    html = print_document_html(
        source.title_block, body, letterhead=letterhead, cover=source.cover_page, inline_css=_screen_css()
    )
    return html.encode("utf-8")


def export_filename(title: str, version: int, fmt: ExportFormat) -> str:
    """`mutual-nda-v3.pdf`: ASCII, lower case, safe in every download dialog."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:MAX_STEM].strip("-") or "document"
    return f"{stem}-v{version}.{fmt.value}"
