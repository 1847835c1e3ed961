"""Match rules: which events are a touchpoint, as an Ibis predicate and as plain Python.

A rule is a set of tests that must all hold: ``event`` names (exact or glob), ``channel`` names,
``where`` conditions on properties, and the combinators ``all``, ``any`` and ``not``.

Logic is two-valued on purpose: a test on something absent (no channel, no such property, text
where a number is needed) is *false*, never SQL's unknown, so ``not`` of it is true. Every leaf of
the predicate is therefore closed with ``fill_null(False)``.

:meth:`Rule.predicate` is the engine form, used by the analytics; :meth:`Rule.matches` is the same
rule evaluated in Python on one event, the reference the engine form is tested against.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from recorrido.errors import RecorridoError
from recorrido.journey.base import MapModel, Names, Number, Scalar
from recorrido.journey.properties import (
    as_number,
    is_valid_key,
    property_text,
    python_number,
    python_property,
    python_text,
)
from recorrido.journey.regex import RegexNotSupported, glob_regex, is_glob, translate

OPERATORS = ("equals", "in", "contains", "prefix", "regex", "gt", "gte", "lt", "lte", "exists")
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class Condition(MapModel):
    """One test on one property: ``{property: aid, gt: 1000}``. Exactly one operator."""

    key: str = Field(alias="property", description="Property name; dots reach nested objects.")
    equals: Scalar | None = Field(None, description="Same text, same number, or true/false.")
    in_: list[Scalar] | None = Field(None, alias="in", min_length=1, description="Any of these.")
    contains: str | None = Field(None, description="The text contains this.")
    prefix: str | None = Field(None, description="The text starts with this.")
    regex: str | None = Field(None, description="A regular expression found in the text.")
    gt: Number | None = Field(None, description="A number greater than this.")
    gte: Number | None = Field(None, description="A number greater than or equal to this.")
    lt: Number | None = Field(None, description="A number less than this.")
    lte: Number | None = Field(None, description="A number less than or equal to this.")
    exists: bool | None = Field(None, description="The property is present (true) or not (false).")

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        if not is_valid_key(key):
            raise PydanticCustomError(
                "invalid_property_key", "invalid property name {name}", {"name": key}
            )
        return key

    @field_validator("regex")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                translate(pattern)
            except RegexNotSupported as exc:
                raise PydanticCustomError(
                    "invalid_regex",
                    "regular expression not supported: {reason} {detail}",
                    {
                        "pattern": pattern,
                        "reason": exc.reason,
                        "position": exc.position + 1,
                        "detail": exc.detail,
                    },
                ) from None
        return pattern

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        found = self.operators()
        if len(found) != 1:
            raise PydanticCustomError(
                "condition_operator",
                "a condition needs exactly one operator",
                {"found": ", ".join(found) or "-", "operators": ", ".join(OPERATORS)},
            )
        return self

    def operators(self) -> list[str]:
        return [name for name in OPERATORS if getattr(self, _attr(name)) is not None]

    @property
    def operator(self) -> str:
        return self.operators()[0]

    @property
    def operand(self) -> Any:
        return getattr(self, _attr(self.operator))

    # -- engine ----------------------------------------------------------------------------
    def predicate(self, table: ir.Table, engine: str) -> ir.BooleanValue:
        text = property_text(table.properties, self.key, engine)
        op, operand = self.operator, self.operand
        if op == "equals":
            test = _equals(text, [operand], engine)
        elif op == "in":
            test = _equals(text, operand, engine)
        elif op == "contains":
            test = text.contains(operand)
        elif op == "prefix":
            test = text.startswith(operand)
        elif op == "regex":
            pattern = translate(operand).spelled_for(engine)
            if pattern is None:
                raise RecorridoError("map_regex_engine", engine=engine, pattern=operand)
            test = text.re_search(pattern)
        elif op == "exists":
            test = text.notnull() if operand else text.isnull()
        else:
            test = _COMPARE[op](as_number(text, engine), float(operand))
        return test.fill_null(False)

    # -- Python ----------------------------------------------------------------------------
    def matches(self, properties: str | Mapping[str, Any] | None) -> bool:
        value = python_property(properties, self.key)
        text = python_text(value)
        op, operand = self.operator, self.operand
        if op == "exists":
            return (text is not None) == operand
        if text is None:
            return False
        if op in ("equals", "in"):
            return any(_python_equals(value, text, v) for v in _listed(op, operand))
        if op == "contains":
            return operand in text
        if op == "prefix":
            return text.startswith(operand)
        if op == "regex":
            return translate(operand).compiled().search(text) is not None
        number = python_number(value)
        return number is not None and bool(_COMPARE[op](number, float(operand)))


class Rule(MapModel):
    """Which events are a touchpoint; every test present must hold (an empty rule is an error)."""

    event: Names | None = Field(None, description="Event names, exact or glob (* and ?).")
    channel: Names | None = Field(None, description="Channel names, exact or glob (* and ?).")
    where: list[Condition] | None = Field(None, description="Conditions on properties, all hold.")
    all_: list[Rule] | None = Field(None, alias="all", description="Every one of these rules.")
    any_: list[Rule] | None = Field(None, alias="any", description="At least one of these rules.")
    not_: Rule | None = Field(None, alias="not", description="This rule does not hold.")

    @field_validator("event", "channel", "where", "all_", "any_")
    @classmethod
    def _not_empty(cls, value: list | None) -> list | None:
        if value is not None and not value:
            raise PydanticCustomError("empty_rule", "empty rule", {})
        return value

    @model_validator(mode="after")
    def _something(self) -> Rule:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise PydanticCustomError("empty_rule", "empty rule", {})
        return self

    # -- engine ----------------------------------------------------------------------------
    def predicate(self, table: ir.Table, engine: str | None = None) -> ir.BooleanValue:
        """True on the rows of ``table`` (canonical event columns) this rule selects, never NULL.

        ``engine`` is the backend's name (``duckdb``, ``pyspark``); by default the table's own.
        """
        engine = engine or ibis.get_backend(table).name
        tests: list[ir.BooleanValue] = []
        if self.event is not None:
            tests.append(_names_predicate(table.event, self.event, engine))
        if self.channel is not None:
            tests.append(_names_predicate(table.channel, self.channel, engine))
        tests += [c.predicate(table, engine) for c in self.where or ()]
        tests += [r.predicate(table, engine) for r in self.all_ or ()]
        if self.any_ is not None:
            tests.append(ibis.or_(*(r.predicate(table, engine) for r in self.any_)))
        if self.not_ is not None:
            tests.append(~self.not_.predicate(table, engine))
        return ibis.and_(*tests)

    # -- Python ----------------------------------------------------------------------------
    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether one event (a mapping with ``event``, ``channel``, ``properties``) is selected."""
        if self.event is not None and not _names_match(event.get("event"), self.event):
            return False
        if self.channel is not None and not _names_match(event.get("channel"), self.channel):
            return False
        properties = event.get("properties")
        if not all(c.matches(properties) for c in self.where or ()):
            return False
        if not all(r.matches(event) for r in self.all_ or ()):
            return False
        if self.any_ is not None and not any(r.matches(event) for r in self.any_):
            return False
        return self.not_ is None or not self.not_.matches(event)


def _attr(name: str) -> str:
    return "in_" if name == "in" else name


def _listed(op: str, operand: Any) -> list[Any]:
    return list(operand) if op == "in" else [operand]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equals(text: ir.StringValue, values: list[Any], engine: str) -> ir.BooleanValue:
    """Text equal to a text value, ``true``/``false`` for booleans, or the same number."""
    texts = [_bool_text(v) if isinstance(v, bool) else v for v in values if not _is_number(v)]
    numbers = [float(v) for v in values if _is_number(v)]
    tests = []
    if texts:
        tests.append(text.isin(texts))
    if numbers:
        tests.append(as_number(text, engine).isin(numbers))
    return ibis.or_(*tests)


def _python_equals(value: Any, text: str, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return text == _bool_text(wanted)
    if _is_number(wanted):
        return python_number(value) == float(wanted)
    return text == wanted


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _names_predicate(column: ir.StringValue, names: list[str], engine: str) -> ir.BooleanValue:
    exact = [n for n in names if not is_glob(n)]
    tests = [column.isin(exact)] if exact else []
    tests += [column.re_search(glob_regex(n).spelled_for(engine)) for n in names if is_glob(n)]
    return ibis.or_(*tests).fill_null(False)


def _names_match(value: Any, names: list[str]) -> bool:
    if value is None:
        return False
    for name in names:
        if is_glob(name):
            if re.search(glob_regex(name).python, value):
                return True
        elif value == name:
            return True
    return False


Rule.model_rebuild()
