"""Markdown (CommonMark + tables, raw HTML off) -> sanitised HTML (for pages and PDF) or the
document model (for DOCX).

A thematic break (`---`) becomes a page break: documents have no other use for it and authors
need a way to start a new page.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from mandate.render.blocks import (
    MAX_HEADING_LEVEL,
    Block,
    Document,
    Heading,
    ListBlock,
    ListItem,
    PageBreak,
    Paragraph,
    Run,
    Runs,
    Table,
)


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


# nh3's defaults, plus the column alignment markdown-it writes on table cells.
_CELL_ATTRIBUTES = {"th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"}, "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"}}


def markdown_to_html(text: str) -> str:
    html = _parser().render(text)
    return nh3.clean(
        html,
        attributes={**nh3.ALLOWED_ATTRIBUTES, **_CELL_ATTRIBUTES},
        filter_style_properties={"text-align"},
        url_schemes={"http", "https", "mailto", "data"},
    )


def markdown_to_document(text: str, *, title: str | None = None) -> Document:
    tree = SyntaxTreeNode(_parser().parse(text))
    return Document(tuple(b for node in tree.children for b in _blocks(node)), title=title)


def _blocks(node: SyntaxTreeNode) -> list[Block]:
    kind = node.type
    if kind == "heading":
        level = min(int(node.tag[1:]), MAX_HEADING_LEVEL)
        return [Heading("".join(r.text for r in _inline_of(node)), level)]
    if kind == "paragraph":
        return [Paragraph(_inline_of(node))]
    if kind in ("bullet_list", "ordered_list"):
        return [_list(node)]
    if kind == "table":
        return [_table(node)]
    if kind == "hr":
        return [PageBreak()]
    if kind == "blockquote":
        return [replace(b, quote=True) if isinstance(b, Paragraph) else b for c in node.children for b in _blocks(c)]
    if kind in ("fence", "code_block"):
        return [Paragraph((Run(node.content.rstrip("\n"), code=True),))]
    return []


def _list(node: SyntaxTreeNode) -> ListBlock:
    items = []
    for item in node.children:
        lines = [_inline_of(c) for c in item.children if c.type == "paragraph"]
        runs = _join(lines)
        children = tuple(_list(c) for c in item.children if c.type in ("bullet_list", "ordered_list"))
        items.append(ListItem(runs, children))
    start = node.attrs.get("start", 1)
    return ListBlock(tuple(items), ordered=node.type == "ordered_list", start=int(start))


def _table(node: SyntaxTreeNode) -> Table:
    rows = [row for section in node.children for row in section.children]
    cells = [tuple(_inline_of(cell) for cell in row.children) for row in rows]
    return Table(cells[0], tuple(cells[1:])) if cells else Table(())


def _join(lines: list[Runs]) -> Runs:
    joined: list[Run] = []
    for i, line in enumerate(lines):
        if i:
            joined.append(Run("\n"))
        joined.extend(line)
    return tuple(joined)


def _inline_of(node: SyntaxTreeNode) -> Runs:
    inline = next((c for c in node.children if c.type == "inline"), None)
    return _merge(_runs(inline, bold=False, italic=False)) if inline else ()


def _runs(node: SyntaxTreeNode, *, bold: bool, italic: bool) -> list[Run]:
    out: list[Run] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            out.append(Run(child.content, bold, italic))
        elif kind == "code_inline":
            out.append(Run(child.content, bold, italic, code=True))
        elif kind == "softbreak":
            out.append(Run(" ", bold, italic))
        elif kind == "hardbreak":
            out.append(Run("\n", bold, italic))
        elif kind in ("strong", "em"):
            out += _runs(child, bold=bold or kind == "strong", italic=italic or kind == "em")
        elif kind == "link":
            out += _link(child, bold=bold, italic=italic)
        else:  # images keep their alt text
            out += _runs(child, bold=bold, italic=italic)
    return out


def _link(node: SyntaxTreeNode, *, bold: bool, italic: bool) -> list[Run]:
    """The link text, then the address when it differs: a printed document cannot be clicked."""
    label = _runs(node, bold=bold, italic=italic)
    href = str(node.attrs.get("href", ""))
    shown = "".join(r.text for r in label)
    return label if not href or href in (shown, f"mailto:{shown}") else [*label, Run(f" ({href})", bold, italic)]


def _merge(runs: list[Run]) -> Runs:
    """Join neighbours with the same formatting (markdown-it splits text at every special character)."""
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].code) == (run.bold, run.italic, run.code):
            merged[-1] = replace(merged[-1], text=merged[-1].text + run.text)
        elif run.text:
            merged.append(run)
    return tuple(merged)
