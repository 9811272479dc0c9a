"""Email templates: a `.txt` (with a `subject` block) and an `.html` per message, on shared layouts.

Templates live with their domain, e.g. `organization/templates/organization/email/invitation.txt`,
and are named without the extension: `organization/email/invitation`. HTML is autoescaped; text is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

PRODUCT_NAME = "Mandate"
SRC = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [str(p) for p in sorted(SRC.glob("*/templates"))]
LONDON = ZoneInfo("Europe/London")


def _datetime(value: datetime, fmt: str = "%d %b %Y, %H:%M %Z") -> str:
    return value.astimezone(LONDON).strftime(fmt)


_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIRS),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,  # a missing variable is a bug, not a blank in someone's inbox
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["datetime"] = _datetime
_env.globals["product"] = PRODUCT_NAME


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(template: str, context: Mapping[str, Any]) -> Rendered:
    text_template = _env.get_template(f"{template}.txt")
    html_template = _env.get_template(f"{template}.html")
    if "subject" not in text_template.blocks:
        raise ValueError(f"{template}.txt must define a subject block")
    subject_parts = text_template.blocks["subject"](text_template.new_context(dict(context)))
    subject = " ".join("".join(subject_parts).split())
    full = {**context, "subject": subject}
    return Rendered(subject=subject, text=text_template.render(full).strip() + "\n", html=html_template.render(full))
