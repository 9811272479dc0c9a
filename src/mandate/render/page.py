"""Paper sizes shared by the PDF and DOCX renderers."""

from __future__ import annotations

from enum import StrEnum


class PageSize(StrEnum):
    A4 = "A4"
    LETTER = "Letter"

    @property
    def millimetres(self) -> tuple[float, float]:
        """Width and height, portrait."""
        return (210.0, 297.0) if self is PageSize.A4 else (215.9, 279.4)
