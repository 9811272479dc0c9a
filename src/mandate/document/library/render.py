"""Sandboxed rendering of template bodies.

Templates are written by organization admins, so they run in Jinja's immutable sandbox with no
globals, a short allow-list of filters and an Undefined that fails loudly, naming the merge field.
Callers pass plain dicts and strings only, never ORM objects.
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from mandate.kit.errors import ValidationFailed
from mandate.kit.money import MoneyError, parse_money

MERGE_ROOTS = frozenset({"deal", "organization", "author", "today", "variables"})
MAX_OUTPUT = 200_000
_MAX_REPEAT = 10_000


class MergeFields(dict[str, Any]):
    """A dict that knows its merge-field path, so a missing key names `variables.x`."""

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.path = path


class MissingField(UndefinedError):
    def __init__(self, field: str) -> None:
        super().__init__(f"{field} has no value")
        self.field = field


class _NamedUndefined(StrictUndefined):
    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        owner, name = self._undefined_obj, self._undefined_name
        if self._undefined_exception is SecurityError or name is None:
            raise self._undefined_exception(self._undefined_message)
        if isinstance(owner, MergeFields):
            raise MissingField(f"{owner.path}.{name}")
        if owner is missing:
            raise MissingField(name)
        raise UndefinedError(f"{name!r} is not a field of this value")

    __str__ = __iter__ = __len__ = __bool__ = __eq__ = __ne__ = __hash__ = _fail_with_undefined_error


def format_money(value: Any, currency: str = "GBP") -> str:
    try:
        return parse_money(str(value), currency).format()
    except MoneyError as exc:
        raise ValueError(f"{value!r} is not an amount: {exc}") from exc


def format_date(value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"


def _default(value: Any, fallback: Any = "") -> Any:
    return fallback if value in (None, "") else value


_FILTERS: dict[str, Any] = {
    "money": format_money,
    "date": format_date,
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "default": _default,
    "join": lambda v, sep=", ": sep.join(str(x) for x in v),
}


class _Sandbox(ImmutableSandboxedEnvironment):
    # Repetition can build huge strings; refuse it past a small bound.
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**" or isinstance(left, (str, list)) or isinstance(right, (str, list)):
            raise SecurityError("Repetition and powers are not allowed in templates")
        if abs(left) > _MAX_REPEAT * 1000 or abs(right) > _MAX_REPEAT * 1000:
            raise SecurityError("Numbers in template arithmetic are too large")
        return operator.mul(left, right)


@cache
def environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(undefined=_NamedUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()
    env.filters = dict(_FILTERS)
    return env


def _body_error(message: str, line: int | None = None) -> ValidationFailed:
    where = f" (line {line})" if line else ""
    return ValidationFailed.field("body", f"{message}{where}")


def check_body(body: str) -> None:
    """Raise 422 on `body` unless it compiles in the sandbox and uses only known merge fields."""
    env = environment()
    try:
        tree = env.parse(body)
        env.compile(tree)
    except TemplateSyntaxError as exc:
        raise _body_error(exc.message or "The template does not compile", exc.lineno) from exc
    except TemplateError as exc:
        raise _body_error(str(exc)) from exc
    _check_tree(tree)


def _check_tree(tree: nodes.Template) -> None:
    unknown = sorted(meta.find_undeclared_variables(tree) - MERGE_ROOTS)
    if unknown:
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), None)
        raise _body_error(f"Unknown merge field {unknown[0]!r}; use {', '.join(sorted(MERGE_ROOTS))}", line)
    for node in tree.find_all((nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends)):
        raise _body_error("Templates cannot import, include or extend other templates", node.lineno)


def render(body: str, fields: dict[str, Any]) -> str:
    """Render Markdown; 422 naming the field on a missing value, on `body` for anything the sandbox refuses."""
    check_body(body)
    env = environment()
    try:
        out = env.from_string(body).render(fields)
    except MissingField as exc:
        field = "deal_id" if exc.field.split(".")[0] == "deal" and "deal" not in fields else exc.field
        message = (
            "Choose a deal: this template uses deal fields" if field == "deal_id" else f"Enter a value for {field}"
        )
        raise ValidationFailed.field(field, message) from exc
    except SecurityError as exc:
        raise _body_error(f"Not allowed in templates: {exc}") from exc
    except (TemplateError, ValueError, TypeError, ArithmeticError) as exc:
        raise _body_error(f"The template failed to render: {exc}") from exc
    if len(out) > MAX_OUTPUT:
        raise _body_error(f"The rendered document is longer than {MAX_OUTPUT} characters")
    return out


def coerce_number(value: Any) -> str:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValueError("Enter a number") from exc
    if not number.is_finite():
        raise ValueError("Enter a number")
    return f"{number:,f}"
