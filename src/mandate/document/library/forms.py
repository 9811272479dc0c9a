"""The template form: name, category, status, body and a table of declared variables (rows of inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from mandate.document.library.models import Category, DocumentTemplate, TemplateStatus
from mandate.document.library.schemas import TemplateCreate, TemplateUpdate, VariableType
from mandate.kit.errors import AppError, FieldError, ValidationFailed

M = TypeVar("M", TemplateCreate, TemplateUpdate)
BLANK_ROWS = 2
MAX_ROWS = 100
CATEGORY_OPTIONS = [
    (Category.NDA.value, "NDA"),
    (Category.LOI.value, "Letter of intent"),
    (Category.TERM_SHEET.value, "Term sheet"),
    (Category.ENGAGEMENT.value, "Engagement letter"),
    (Category.MEMO.value, "Memo"),
    (Category.OTHER.value, "Other"),
]
STATUS_OPTIONS = [(s.value, s.value.capitalize()) for s in TemplateStatus]
TYPE_OPTIONS = [(t.value, t.value.capitalize()) for t in VariableType]
_VAR_KEYS = ("name", "label", "type", "default", "choices")


def _text(data: Mapping[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    return value if isinstance(value, str) else default


@dataclass
class VariableRow:
    name: str = ""
    label: str = ""
    type: str = VariableType.TEXT.value
    required: bool = False
    default: str = ""
    choices: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.label.strip())

    def payload(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "label": self.label.strip(),
            "type": self.type,
            "required": self.required,
            "default": self.default.strip() or None,
            "choices": [c.strip() for c in self.choices.split(",") if c.strip()],
        }


@dataclass
class TemplateForm:
    name: str = ""
    description: str = ""
    category: str = Category.OTHER.value
    status: str = TemplateStatus.DRAFT.value
    body: str = ""
    rows: list[VariableRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, Any]) -> TemplateForm:
        rows: list[VariableRow] = []
        for i in range(MAX_ROWS):
            if f"v-{i}-name" not in data:
                break
            values = {k: _text(data, f"v-{i}-{k}") for k in _VAR_KEYS}
            rows.append(VariableRow(**values, required=bool(data.get(f"v-{i}-required"))))
        return cls(
            name=_text(data, "name"),
            description=_text(data, "description"),
            category=_text(data, "category", Category.OTHER.value),
            status=_text(data, "status", TemplateStatus.DRAFT.value),
            body=_text(data, "body").replace("\r\n", "\n"),
            rows=rows,
        )

    @classmethod
    def from_template(cls, row: DocumentTemplate) -> TemplateForm:
        rows = [
            VariableRow(
                name=v["name"],
                label=v["label"],
                type=v.get("type", "text"),
                required=bool(v.get("required")),
                default=v.get("default") or "",
                choices=", ".join(v.get("choices") or []),
            )
            for v in row.variables
        ]
        return cls(row.name, row.description, row.category, row.status, row.body, rows)

    def display_rows(self) -> list[VariableRow]:
        """The filled rows, then a couple of blank ones to add variables without JavaScript."""
        return [r for r in self.rows if not r.blank] + [VariableRow() for _ in range(BLANK_ROWS)]

    def _payload(self) -> tuple[dict[str, Any], list[int]]:
        kept = [(i, r) for i, r in enumerate(self.display_rows()) if not r.blank]
        payload = {
            "name": self.name.strip(),
            "description": self.description,
            "category": self.category,
            "status": self.status,
            "body": self.body,
            "variables": [r.payload() for _i, r in kept],
        }
        return payload, [i for i, _r in kept]

    def to_create(self) -> TemplateCreate:
        payload, _rows = self._payload()
        return _validated(TemplateCreate, payload)

    def to_update(self) -> TemplateUpdate:
        payload, _rows = self._payload()
        return _validated(TemplateUpdate, payload)


def _validated(model: type[M], payload: dict[str, Any]) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = [FieldError(".".join(str(p) for p in e["loc"]), _message(e)) for e in exc.errors()]
        raise ValidationFailed(errors[0].message, errors=errors) from None


def _message(error: Any) -> str:
    if error["type"] in ("string_too_short", "missing"):
        return "This field cannot be blank"
    if error["type"] == "string_too_long":
        return f"Use at most {error['ctx']['max_length']} characters"
    return "Choose one of the options" if error["type"] == "enum" else str(error["msg"])


def form_errors(error: AppError, rows: list[int]) -> dict[str, str]:
    """`variables.<n>.<key>` (n counts the filled rows) is the input `v-<row>-<key>` of the form."""
    named: dict[str, str] = {}
    for e in error.errors:
        parts = e.field.split(".")
        if parts[0] == "variables" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            named.setdefault(f"v-{rows[int(parts[1])]}-{parts[2]}", e.message)
        else:
            named.setdefault(parts[0], e.message)
    return named


def filled_rows(form: TemplateForm) -> list[int]:
    return [i for i, r in enumerate(form.display_rows()) if not r.blank]
