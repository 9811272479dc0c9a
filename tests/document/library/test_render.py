"""The sandbox: escape attempts render inert or are refused; missing values name the field."""

from __future__ import annotations

from typing import Any

import pytest

from mandate.document.library import builtins, render
from mandate.document.library.fields import variable_fields
from mandate.document.library.render import MergeFields
from mandate.document.library.schemas import VariableSpec
from mandate.kit.errors import ValidationFailed


def _fields(**variables: str) -> dict[str, Any]:
    return {
        "deal": MergeFields("deal", {"name": "Atlas", "target_company": "Atlas Ltd"}),
        "organization": MergeFields("organization", {"name": "Northwind"}),
        "author": MergeFields("author", {"full_name": "Ada Lane", "email": "ada@example.com"}),
        "today": "5 December 2026",
        "variables": MergeFields("variables", variables),
    }


# Markers of a leaked Python object, class, module or function in the output.
LEAKS = ("<class", "<module", "<function", "<built-in", "<bound", "mro", "__", "globals", "os.", "subprocess")

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace }}",
    "{{ range(10) }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{% import os %}",
    "{% import 'os' as os %}{{ os }}",
    "{% from 'os' import system %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{{ config }}",
    "{{ request }}",
    "{{ deal.__dict__ }}",
    "{{ deal.__class__ }}",
    "{{ deal['__class__'] }}",
    "{{ deal.items() }}",
    "{{ deal.update({'name': 'x'}) }}",
    "{{ deal.path }}",
    "{{ variables.clear() }}",
    "{{ deal|attr('__class__') }}",
    "{{ deal|map(attribute='__class__')|list }}",
    "{{ 'x'|format }}",
    "{{ ''.format.__self__ }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 999999 }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% set x = deal.__init__ %}{{ x }}",
]


@pytest.mark.parametrize("body", ESCAPES)
def test_escape_attempts_render_inert_or_are_refused(body: str) -> None:
    try:
        out = render.render(body, _fields())
    except ValidationFailed as exc:
        assert exc.errors[0].field in {"body", "deal", "variables"} or exc.errors[0].field.startswith("deal.")
        return
    assert not any(marker in out for marker in LEAKS), out


def test_mutating_a_merge_field_is_refused() -> None:
    fields = _fields(x="1")
    with pytest.raises(ValidationFailed):
        render.render("{{ variables.update({'x': '2'}) }}", fields)
    assert fields["variables"]["x"] == "1"


def test_only_allow_listed_filters_compile() -> None:
    with pytest.raises(ValidationFailed) as exc:
        render.check_body("# Title\n\n{{ deal.name|attr('x') }}")
    assert exc.value.errors[0].field == "body"
    assert "line 3" in exc.value.errors[0].message


def test_syntax_error_names_body_and_line() -> None:
    with pytest.raises(ValidationFailed) as exc:
        render.check_body("ok\n{% if %}")
    assert exc.value.errors[0].field == "body"
    assert "line 2" in exc.value.errors[0].message


def test_unknown_merge_root_is_refused_at_save() -> None:
    with pytest.raises(ValidationFailed, match="config"):
        render.check_body("{{ config.SECRET_KEY }}")


def test_filters_format_money_and_dates() -> None:
    out = render.render("{{ '12.5m'|money }} {{ '2026-03-01'|date }} {{ 'ab'|upper }}", _fields())
    assert out == "£12,500,000.00 1 March 2026 AB"


def test_missing_variable_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        render.render("Dear {{ variables.addressee }}", _fields())
    assert exc.value.errors[0].field == "variables.addressee"


def test_deal_fields_without_a_deal_ask_for_a_deal() -> None:
    fields = _fields()
    del fields["deal"]
    with pytest.raises(ValidationFailed) as exc:
        render.render("{{ deal.name }}", fields)
    assert exc.value.errors[0].field == "deal_id"


class TestVariables:
    SPECS = [
        VariableSpec(name="price", label="Price", type="money", required=True),
        VariableSpec(name="when", label="When", type="date"),
        VariableSpec(name="mode", label="Mode", type="choice", choices=["a", "b"], default="a"),
        VariableSpec(name="n", label="N", type="number"),
    ]

    def test_values_are_typed_and_formatted(self) -> None:
        values, missing = variable_fields(self.SPECS, {"price": "1.5m", "when": "2026-12-05", "n": "1200"})
        assert dict(values) == {"price": "£1,500,000.00", "when": "5 December 2026", "mode": "a", "n": "1,200"}
        assert missing == []

    def test_optional_empty_values_are_listed_as_missing(self) -> None:
        _values, missing = variable_fields(self.SPECS, {"price": "10"})
        assert missing == ["when", "n"]

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            ({}, "variables.price"),
            ({"price": "lots"}, "variables.price"),
            ({"price": "1", "when": "5/12/2026"}, "variables.when"),
            ({"price": "1", "mode": "c"}, "variables.mode"),
            ({"price": "1", "n": "ten"}, "variables.n"),
        ],
    )
    def test_bad_values_name_the_variable(self, given: dict[str, str], field: str) -> None:
        with pytest.raises(ValidationFailed) as exc:
            variable_fields(self.SPECS, given)
        assert exc.value.errors[0].field == field


SAMPLE = {"text": "Sample text", "number": "3", "money": "250000", "date": "2027-01-31"}


@pytest.mark.parametrize("item", list(builtins.catalogue().values()), ids=lambda b: b.key)
def test_every_builtin_renders_with_sample_variables(item: builtins.Builtin) -> None:
    specs = [VariableSpec.model_validate(v) for v in item.variables]
    given = {s.name: (s.choices[0] if s.choices else SAMPLE[s.type.value]) for s in specs}
    values, missing = variable_fields(specs, given)
    fields = _fields()
    fields["variables"] = values
    fields["deal"] = MergeFields(
        "deal",
        {
            "name": "Atlas",
            "target_company": "Atlas Ltd",
            "industry": "",
            "size": "",
            "stage": "Screening",
            "expected_close": "",
            "owner": MergeFields("deal.owner", {"name": ""}),
        },
    )
    out = render.render(item.body, fields)
    assert missing == []
    assert "Atlas" in out
    assert "Northwind" in out or item.key.endswith("memo")
    for spec in specs:
        assert values[spec.name].lower() in out.lower(), spec.name
    assert "{{" not in out and "{%" not in out
