"""Reading one event property as text and as a number, the same way in every engine and in Python.

``properties`` is JSON text. DuckDB reads a key with ``json_extract_string``, Spark with
``get_json_object``; both give a string as itself, an integer or ``true``/``false`` as their
spelling, objects and arrays as compact JSON, and NULL for a missing key or a JSON null. Non-integer
numbers are spelled differently by each engine (``1e+20``, ``1.0E20``), so rules compare numbers
as numbers, never as text.

A key comes from the user: it is checked against :data:`KEY_PATTERN` and passed to the engine as a
literal value inside the JSON path, never as SQL text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from recorrido.errors import RecorridoError
from recorrido.journey.regex import PortableRegex

#: One or more names joined by dots (``page.url``): letters in any script, digits, ``_ - space``.
KEY_PATTERN = re.compile(r"[\w\- ]+(\.[\w\- ]+)*")

#: Text that is read as a number: plain decimal notation with an optional exponent. Anything
#: looser (``1_000``, ``0x10``, ``1.5d``, ``inf``) is read differently by each engine.
NUMBER = PortableRegex(
    source="number",
    python=r"\A-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z",
    engine=r"\A-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z",
)

ENGINES = ("duckdb", "pyspark")


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(doc: dt.json, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the value at ``path`` as text, NULL when absent."""


@ibis.udf.scalar.builtin(name="json_valid")
def _duckdb_json_valid(doc: dt.json) -> bool:  # type: ignore[empty-body]
    """DuckDB: whether the text parses as JSON (extracting from bad JSON is an error there)."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the value at ``path`` as text, NULL when absent or when the JSON is bad."""


def is_valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def property_text(properties: ir.Value, key: str, engine: str) -> ir.StringValue:
    """The text of property ``key`` (dots reach into nested objects); NULL when absent."""
    if not is_valid_key(key):
        raise RecorridoError("map_invalid_property_key", name=key)
    parts = key.split(".")
    if engine == "duckdb":
        path = "$" + "".join(f'."{p}"' for p in parts)
        doc = properties.cast(dt.json)
        return ibis.ifelse(
            _duckdb_json_valid(doc), _duckdb_json_text(doc, ibis.literal(path)), ibis.null("string")
        )
    if engine == "pyspark":
        path = "$" + "".join(f"['{p}']" for p in parts)
        return _spark_json_text(properties.cast("string"), ibis.literal(path))
    raise RecorridoError("map_engine_unsupported", engine=engine, engines=", ".join(ENGINES))


def as_number(text: ir.StringValue) -> ir.FloatingValue:
    """``text`` as a double when it is a plain decimal number (see :data:`NUMBER`), else NULL."""
    number = ibis.ifelse(
        text.re_search(NUMBER.engine), text.try_cast("float64"), ibis.null("float64")
    )
    return ibis.ifelse(number.isinf(), ibis.null("float64"), number)


# -- the same in Python: the reference the engines are tested against -------------------------


def python_property(properties: str | Mapping[str, Any] | None, key: str) -> Any:
    """The value of property ``key`` in an event's ``properties`` (JSON text or a dict), or None."""
    if isinstance(properties, str):
        try:
            properties = json.loads(properties)
        except ValueError:
            return None
    value: Any = properties
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def python_text(value: Any) -> str | None:
    """What :func:`property_text` gives for a property whose JSON value is ``value``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # engines spell these their own way; rules compare them as numbers
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def python_number(value: Any) -> float | None:
    """What :func:`as_number` gives: JSON numbers as they are, text when it reads as a number."""
    if isinstance(value, bool) or value is None:
        return None
    readable = isinstance(value, str) and NUMBER.compiled().search(value) is not None
    if isinstance(value, int | float) or readable:
        number = float(value)
    else:
        return None
    return None if math.isinf(number) or math.isnan(number) else number
