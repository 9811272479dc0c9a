"""QR codes of check-in codes as inline SVG, drawn on the server so tickets need no JavaScript."""

from __future__ import annotations

import io
from html import escape

import segno


def qr_svg(data: str, *, label: str) -> str:
    """An SVG that scales with its container (viewBox, no fixed size), with a white quiet zone.

    Error correction M survives a creased print-out or a cracked phone screen; the label is what
    screen readers announce instead of the pattern.
    """
    code = segno.make_qr(data, error="m", boost_error=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        border=4,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        dark="#000",
        light="#fff",
        nl=False,
        svgclass="qr",
    )
    svg = out.getvalue().decode()
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
