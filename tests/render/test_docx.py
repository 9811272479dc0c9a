"""DOCX output read back with python-docx: Word styles for headings, lists and tables; Markdown in."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest

from mandate.render.blocks import Document, Heading, ListBlock, ListItem, PageBreak, Paragraph, Run, Table, plain
from mandate.render.docx import docx_bytes
from mandate.render.markdown import markdown_to_document
from mandate.render.page import PageSize

MEMO = """\
# Investment committee memo

Project **Atlas**: acquisition of *Atlas Ltd* for `£12.5m`.

## Highlights

- Recurring revenue of **82%**
- Net retention above 110%
  - enterprise cohort 118%

## Next steps

1. Confirmatory due diligence
2. SPA negotiation

### Valuation

| Method | Low | High |
|---|---:|---:|
| DCF | 11.0 | 14.2 |
| Trading comps | *10.4* | 12.9 |

---

Appendix follows. See [the data room](https://dataroom.example/atlas).

4. Fourth point, numbered from four
5. Fifth
"""


def read(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def paragraphs(document: Any) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs if p.text]


def num_id(paragraph: Any) -> int | None:
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    return None if num_pr is None or num_pr.numId is None else int(num_pr.numId.val)


def start_of(document: Any, num: int) -> int:
    numbering = document.part.numbering_part.element
    element = next(n for n in numbering.num_lst if n.numId == num)
    return int(element.lvlOverride_lst[0].startOverride.val)


class TestDocxFromModel:
    def test_headings_use_word_heading_styles(self) -> None:
        doc = Document((Heading("One"), Heading("Two", 2), Heading("Three", 3)), title="Board pack")
        out = read(docx_bytes(doc))
        assert paragraphs(out) == [
            ("Title", "Board pack"),
            ("Heading 1", "One"),
            ("Heading 2", "Two"),
            ("Heading 3", "Three"),
        ]
        assert out.core_properties.title == "Board pack"

    def test_heading_levels_are_checked(self) -> None:
        with pytest.raises(ValueError, match="heading level"):
            Heading("Too deep", 4)

    def test_runs_keep_bold_italic_and_code(self) -> None:
        runs = (
            Run("plain "),
            Run("bold", bold=True),
            Run(" "),
            Run("both", bold=True, italic=True),
            Run("x()", code=True),
        )
        paragraph = read(docx_bytes(Document((Paragraph(runs),)))).paragraphs[0]
        got = [(r.text, bool(r.bold), bool(r.italic), r.font.name) for r in paragraph.runs]
        assert got == [
            ("plain ", False, False, None),
            ("bold", True, False, None),
            (" ", False, False, None),
            ("both", True, True, None),
            ("x()", False, False, "Courier New"),
        ]

    def test_nested_lists_use_level_styles(self) -> None:
        inner = ListBlock((ListItem(plain("inner")),), ordered=True)
        outer = ListBlock((ListItem(plain("outer"), children=(inner,)), ListItem(plain("second"))))
        out = read(docx_bytes(Document((outer,))))
        assert paragraphs(out) == [("List Bullet", "outer"), ("List Number 2", "inner"), ("List Bullet", "second")]

    def test_each_numbered_list_restarts(self) -> None:
        first = ListBlock((ListItem(plain("a")), ListItem(plain("b"))), ordered=True)
        second = ListBlock((ListItem(plain("c")),), ordered=True, start=4)
        out = read(docx_bytes(Document((first, Paragraph(plain("between")), second))))
        a, b, _between, c = out.paragraphs
        assert num_id(a) == num_id(b) != num_id(c)
        assert start_of(out, num_id(a) or 0) == 1
        assert start_of(out, num_id(c) or 0) == 4

    def test_table_has_style_bold_repeating_header_and_cells(self) -> None:
        table = Table.of(["Method", "Low", "High"], [["DCF", "11.0", "14.2"], ["Comps", "10.4"]])
        out = read(docx_bytes(Document((table,))))
        (t,) = out.tables
        assert t.style.name == "Table Grid"
        assert [[c.text for c in row.cells] for row in t.rows] == [
            ["Method", "Low", "High"],
            ["DCF", "11.0", "14.2"],
            ["Comps", "10.4", ""],
        ]
        assert all(run.bold for cell in t.rows[0].cells for run in cell.paragraphs[0].runs)
        assert not any(run.bold for run in t.rows[1].cells[0].paragraphs[0].runs)
        assert t.rows[0]._tr.trPr.xml.count("tblHeader") == 1

    def test_page_break(self) -> None:
        out = read(docx_bytes(Document((Paragraph(plain("one")), PageBreak(), Paragraph(plain("two"))))))
        assert out.element.body.xml.count('w:type="page"') == 1

    @pytest.mark.parametrize(("size", "width", "height"), [(PageSize.A4, 210, 297), (PageSize.LETTER, 215.9, 279.4)])
    def test_page_size(self, size: PageSize, width: float, height: float) -> None:
        section = read(docx_bytes(Document(), page_size=size)).sections[0]
        assert section.page_width.mm == pytest.approx(width, abs=0.1)  # stored in twentieths of a point
        assert section.page_height.mm == pytest.approx(height, abs=0.1)


class TestMarkdownToDocx:
    def test_memo(self) -> None:
        out = read(docx_bytes(markdown_to_document(MEMO, title="Atlas")))
        styled = paragraphs(out)
        assert styled[:3] == [
            ("Title", "Atlas"),
            ("Heading 1", "Investment committee memo"),
            ("Normal", "Project Atlas: acquisition of Atlas Ltd for £12.5m."),
        ]
        assert ("Heading 2", "Highlights") in styled and ("Heading 3", "Valuation") in styled
        assert ("List Bullet", "Recurring revenue of 82%") in styled
        assert ("List Bullet 2", "enterprise cohort 118%") in styled
        assert ("List Number", "Confirmatory due diligence") in styled
        assert ("Normal", "Appendix follows. See the data room (https://dataroom.example/atlas).") in styled
        (table,) = out.tables
        assert [c.text for c in table.rows[2].cells] == ["Trading comps", "10.4", "12.9"]
        assert out.element.body.xml.count('w:type="page"') == 1

    def test_inline_formatting_reaches_the_runs(self) -> None:
        out = read(docx_bytes(markdown_to_document(MEMO)))
        project = next(p for p in out.paragraphs if p.text.startswith("Project"))
        assert [(r.text, bool(r.bold), bool(r.italic)) for r in project.runs][:4] == [
            ("Project ", False, False),
            ("Atlas", True, False),
            (": acquisition of ", False, False),
            ("Atlas Ltd", False, True),
        ]

    def test_lists_keep_their_start_number(self) -> None:
        out = read(docx_bytes(markdown_to_document(MEMO)))
        first = next(p for p in out.paragraphs if p.text == "Confirmatory due diligence")
        fourth = next(p for p in out.paragraphs if p.text.startswith("Fourth point"))
        assert start_of(out, num_id(first) or 0) == 1
        assert start_of(out, num_id(fourth) or 0) == 4

    def test_raw_html_stays_text(self) -> None:
        document = markdown_to_document("<script>alert(1)</script> and <b>tags</b>")
        assert document.blocks == (Paragraph((Run("<script>alert(1)</script> and <b>tags</b>"),)),)

    def test_deep_headings_become_level_three(self) -> None:
        assert markdown_to_document("#### Deep").blocks == (Heading("Deep", 3),)

    def test_code_block_and_quote(self) -> None:
        document = markdown_to_document("> Note **this**\n\n```\nx = 1\ny = 2\n```\n")
        assert document.blocks == (
            Paragraph((Run("Note "), Run("this", bold=True)), quote=True),
            Paragraph((Run("x = 1\ny = 2", code=True),)),
        )
        out = read(docx_bytes(document))
        assert out.paragraphs[0].style.name == "Quote"
