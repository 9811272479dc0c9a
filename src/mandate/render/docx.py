"""The document model -> DOCX bytes with python-docx, using Word's own styles.

Headings use "Heading 1..3", lists "List Bullet[ 2|3]" and "List Number[ 2|3]", tables "Table Grid",
so the file restyles cleanly in Word and outlines in its navigation pane.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import docx
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from mandate.render.blocks import Block, Document, Heading, ListBlock, PageBreak, Paragraph, Runs, Table
from mandate.render.page import PageSize

TABLE_STYLE = "Table Grid"
BODY_FONT = "Arial"  # Liberation Sans is metric-compatible where Arial is missing
CODE_FONT = "Courier New"
MAX_LIST_DEPTH = 3


def docx_bytes(document: Document, *, page_size: PageSize = PageSize.A4) -> bytes:
    out = docx.Document()
    _set_page(out, page_size)
    normal = out.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(10.5)
    if document.title:
        out.core_properties.title = document.title
        out.add_paragraph(document.title, style="Title")
    for block in document.blocks:
        _add_block(out, block)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _set_page(out: Any, page_size: PageSize) -> None:
    width, height = page_size.millimetres
    for section in out.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)


def _add_block(out: Any, block: Block) -> None:
    if isinstance(block, Heading):
        out.add_heading(block.text, level=block.level)
    elif isinstance(block, Paragraph):
        _add_runs(out.add_paragraph(style="Quote" if block.quote else None), block.runs)
    elif isinstance(block, ListBlock):
        _add_list(out, block, depth=0)
    elif isinstance(block, Table):
        _add_table(out, block)
    elif isinstance(block, PageBreak):
        out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _add_runs(paragraph: Any, runs: Runs) -> None:
    for piece in runs:
        run = paragraph.add_run(piece.text)  # python-docx turns "\n" into a line break
        run.bold = piece.bold or None
        run.italic = piece.italic or None
        if piece.code:
            run.font.name = CODE_FONT


def _list_style(ordered: bool, depth: int) -> str:
    base = "List Number" if ordered else "List Bullet"
    return base if depth == 0 else f"{base} {depth + 1}"


def _add_list(out: Any, block: ListBlock, depth: int) -> None:
    depth = min(depth, MAX_LIST_DEPTH - 1)
    style = _list_style(block.ordered, depth)
    # Every ordered list restarts at its own start number instead of continuing the previous list.
    num_id = _restarted_numbering(out, style, block.start) if block.ordered else None
    for item in block.items:
        paragraph = out.add_paragraph(style=style)
        if num_id is not None:
            _number(paragraph, num_id)
        _add_runs(paragraph, item.runs)
        for child in item.children:
            _add_list(out, child, depth + 1)


def _restarted_numbering(out: Any, style: str, start: int) -> int:
    numbering = out.part.numbering_part.element
    style_num_id = out.styles[style].element.pPr.numPr.numId.val
    abstract_id = next(n.abstractNumId.val for n in numbering.num_lst if n.numId == style_num_id)
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    return int(num.numId)


def _number(paragraph: Any, num_id: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


def _add_table(out: Any, block: Table) -> None:
    width = block.width
    table = out.add_table(rows=1 + len(block.rows), cols=width)
    table.style = out.styles[TABLE_STYLE]
    _fill_row(table.rows[0], block.header, width, bold=True)
    _repeat_as_header(table.rows[0])
    for row, cells in zip(table.rows[1:], block.rows, strict=True):
        _fill_row(row, cells, width, bold=False)
    out.add_paragraph()  # Word joins two adjacent tables into one; keep a gap


def _fill_row(row: Any, cells: tuple[Runs, ...], width: int, *, bold: bool) -> None:
    for cell, runs in zip(row.cells, cells[:width], strict=False):
        paragraph = cell.paragraphs[0]
        _add_runs(paragraph, tuple(replace(r, bold=True) for r in runs) if bold else runs)


def _repeat_as_header(row: Any) -> None:
    """Mark the row as the table's header: Word repeats it at the top of every page."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
