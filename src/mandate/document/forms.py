"""What the document pages need besides routes: template variable fields, error names, a line diff."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mandate.document.library.models import DocumentTemplate
from mandate.document.library.schemas import VariableSpec, VariableType
from mandate.kit.errors import AppError, ValidationFailed

_INPUT_TYPES = {VariableType.DATE: "date", VariableType.NUMBER: "text", VariableType.MONEY: "text"}
_HINTS = {
    VariableType.NUMBER: "A number, for example 2 or 12.5.",
    VariableType.MONEY: "An amount, for example 250k, 12.5m or £1,200,000.",
    VariableType.DATE: "A date.",
}
_INPUT_MODES = {VariableType.NUMBER: "decimal", VariableType.MONEY: "decimal"}


@dataclass(frozen=True)
class VariableField:
    """One input of the new-document form, built from a template's declared variable."""

    spec: VariableSpec
    value: str

    @property
    def input_name(self) -> str:
        return variable_input(self.spec.name)

    @property
    def input_type(self) -> str:
        return _INPUT_TYPES.get(self.spec.type, "text")

    @property
    def is_choice(self) -> bool:
        return self.spec.type is VariableType.CHOICE

    @property
    def hint(self) -> str:
        return _HINTS.get(self.spec.type, "")

    @property
    def attrs(self) -> str:
        mode = _INPUT_MODES.get(self.spec.type)
        return f'inputmode="{mode}" maxlength="200"' if mode else 'maxlength="2000"'

    @property
    def options(self) -> list[tuple[str, str]]:
        blank = [] if self.spec.required and self.spec.default else [("", "Choose…")]
        return blank + [(c, c) for c in self.spec.choices]


def variable_input(name: str) -> str:
    return f"var-{name}"


def specs_of(template: DocumentTemplate) -> list[VariableSpec]:
    return [VariableSpec.model_validate(v) for v in template.variables]


def variable_fields(template: DocumentTemplate, given: Mapping[str, str] | None = None) -> list[VariableField]:
    values = given or {}
    return [VariableField(spec, values.get(spec.name, spec.default or "")) for spec in specs_of(template)]


def variables_from_form(template: DocumentTemplate, form: Mapping[str, Any]) -> dict[str, str]:
    """The values posted; a variable not posted at all is left out, so its default applies."""
    out: dict[str, str] = {}
    for spec in specs_of(template):
        value = form.get(variable_input(spec.name))
        if isinstance(value, str):
            out[spec.name] = value
    return out


def form_errors(error: AppError) -> dict[str, str]:
    """{input name: message}: `variables.x` from the service is the form's `var-x` input."""
    named: dict[str, str] = {}
    for e in error.errors:
        key = variable_input(e.field.removeprefix("variables.")) if e.field.startswith("variables.") else e.field
        named.setdefault(key, e.message)
    return named


def text(form: Mapping[str, Any], name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value if isinstance(value, str) else default


def check_length(field: str, value: str, limit: int) -> None:
    """422 on `field` before the schema would reject it with a less readable message."""
    if len(value) > limit:
        raise ValidationFailed.field(field, f"Use at most {limit} characters")


def multiline(form: Mapping[str, Any], name: str) -> str:
    """A text box's value with the CRLF line breaks browsers submit turned back into LF, as autosave sends."""
    return text(form, name).replace("\r\n", "\n")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "mine" (only in this edit), "theirs" (only in the saved version) or "skip"
    text: str


def line_diff(mine: str, theirs: str, context: int = 2) -> list[DiffLine]:
    """What each side has that the other lacks, with `context` unchanged lines around each change;
    longer unchanged runs collapse into one "skip" line."""
    return _collapse(_full_diff(mine, theirs), context)


def _collapse(lines: list[DiffLine], context: int) -> list[DiffLine]:
    changed = [i for i, line in enumerate(lines) if line.kind != "same"]
    near = {j for i in changed for j in range(i - context, i + context + 1)}
    out: list[DiffLine] = []
    skipped = 0
    for i, line in enumerate(lines):
        if i in near:
            if skipped:
                out.append(_skip(skipped))
            skipped = 0
            out.append(line)
        else:
            skipped += 1
    if skipped:
        out.append(_skip(skipped))
    return out


def _skip(count: int) -> DiffLine:
    return DiffLine("skip", f"… {count} unchanged line{'' if count == 1 else 's'}")


def _full_diff(mine: str, theirs: str) -> list[DiffLine]:
    a, b = theirs.splitlines(), mine.splitlines()
    out: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(DiffLine("same", line) for line in a[i1:i2])
            continue
        out.extend(DiffLine("theirs", line) for line in a[i1:i2])
        out.extend(DiffLine("mine", line) for line in b[j1:j2])
    return out
