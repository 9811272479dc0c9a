"""A small document model that the DOCX renderer writes and the Markdown converter produces."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_HEADING_LEVEL = 3


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting; "\\n" inside the text is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


Runs = tuple[Run, ...]


def plain(text: str) -> Runs:
    return (Run(text),)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.level <= MAX_HEADING_LEVEL:
            raise ValueError(f"heading level must be 1 to {MAX_HEADING_LEVEL}, not {self.level}")


@dataclass(frozen=True)
class Paragraph:
    runs: Runs
    quote: bool = False


@dataclass(frozen=True)
class ListItem:
    runs: Runs
    children: tuple[ListBlock, ...] = ()


@dataclass(frozen=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False
    start: int = 1


@dataclass(frozen=True)
class Table:
    header: tuple[Runs, ...]
    rows: tuple[tuple[Runs, ...], ...] = ()

    @classmethod
    def of(cls, header: list[str], rows: list[list[str]]) -> Table:
        """A table of plain text cells."""
        return cls(tuple(plain(h) for h in header), tuple(tuple(plain(c) for c in row) for row in rows))

    @property
    def width(self) -> int:
        return max([len(self.header), *(len(r) for r in self.rows)])


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | ListBlock | Table | PageBreak


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    title: str | None = None
