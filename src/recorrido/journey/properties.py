"""Reading one event property as text and as a number, the same way in every engine and in Python.

``properties`` is JSON text. DuckDB reads a key with ``json_extract_string``, Spark with
``get_json_object``, PostgreSQL with ``json_extract_path_text``; all give a string as itself, an
integer or ``true``/``false`` as their spelling, objects and arrays as compact JSON, and NULL for
a missing key or a JSON null. Non-integer numbers are spelled differently by each engine
(``1e+20``, ``1.0E20``), so rules compare numbers as numbers, never as text.

A key is any name a file can carry (``case:AMOUNT_REQ``, ``concept:name``, ``page url``,
``categoría``, ``page.url`` as one flat column): process-mining and analytics exports are full of
them. The key is read first as one top-level name, exactly as written; when no event has that name
and the key has dots, the dots reach into nested objects (``device.os``). The key is passed to the
engine as a literal value inside a JSON path (a JSON pointer in DuckDB, which can spell every key;
``['…']`` in Spark; one argument per level in PostgreSQL), never as SQL text. See
``docs/property-keys.md``.
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

#: Characters no key may hold: control characters (a newline in a header is a broken file).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Characters Spark's JSON path cannot spell inside ``['…']``.
_SPARK_UNSPELLABLE = re.compile(r"['?]")

#: Text that is read as a number: plain decimal notation with an optional exponent. Anything
#: looser (``1_000``, ``0x10``, ``1.5d``, ``inf``) is read differently by each engine.
NUMBER = PortableRegex(
    source="number",
    python=r"\A-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z",
    engine=r"\A-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z",
    postgres=r"\A-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z",
)

ENGINES = ("duckdb", "pyspark", "postgres")


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(doc: dt.json, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the value at ``path`` as text, NULL when absent."""


@ibis.udf.scalar.builtin(name="json_valid")
def _duckdb_json_valid(doc: dt.json) -> bool:  # type: ignore[empty-body]
    """DuckDB: whether the text parses as JSON (extracting from bad JSON is an error there)."""


# Named with their schema: sqlglot reads a bare json_extract_path_text(doc, 'key') as a JSON
# path and writes the key back unescaped (a key with a quote broke the SQL); a qualified name is
# an ordinary function call, its literals escaped.
@ibis.udf.scalar.builtin(name="json_extract_path_text", database="pg_catalog")
def _postgres_json_text(doc: dt.json, key: str) -> str:  # type: ignore[empty-body]
    """PostgreSQL: the value under ``key`` as text, NULL when absent or a JSON null."""


@ibis.udf.scalar.builtin(name="json_extract_path", database="pg_catalog")
def _postgres_json_at(doc: dt.json, key: str) -> dt.json:  # type: ignore[empty-body]
    """PostgreSQL: the value under ``key`` as JSON (NULL when absent or ``doc`` no object)."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the value at ``path`` as text, NULL when absent or when the JSON is bad."""


def _readable_name(key: str) -> bool:
    return isinstance(key, str) and key.strip() != "" and _CONTROL.search(key) is None


def is_valid_key(key: str) -> bool:
    """Whether ``key`` can name a property in a journey map, which runs on every engine: any
    non-empty text without control characters, ``'`` or ``?`` (which Spark cannot spell)."""
    return _readable_name(key) and _SPARK_UNSPELLABLE.search(key) is None


def key_paths(key: str) -> list[tuple[str, ...]]:
    """The places ``key`` is looked up, in order: the whole key as one top-level name, then (when
    it has dots) the nested path its dots describe."""
    paths = [(key,)]
    parts = tuple(key.split("."))
    if len(parts) > 1 and all(parts):
        paths.append(parts)
    return paths


def readable_on(key: str, engine: str) -> bool:
    """Whether ``engine`` can read ``key`` (Spark's JSON path cannot spell ``'`` or ``?``)."""
    return is_valid_key(key) if engine == "pyspark" else _readable_name(key)


def _duckdb_pointer(parts: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901): ``~`` and ``/`` are the only characters it escapes."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def property_text(properties: ir.Value, key: str, engine: str) -> ir.StringValue:
    """The text of property ``key`` (see :func:`key_paths`); NULL when absent."""
    if engine not in ENGINES:
        raise RecorridoError("map_engine_unsupported", engine=engine, engines=", ".join(ENGINES))
    if not readable_on(key, engine):
        raise RecorridoError("map_invalid_property_key", name=key)
    if engine == "duckdb":
        doc = properties.cast(dt.json)
        texts = [_duckdb_json_text(doc, ibis.literal(_duckdb_pointer(p))) for p in key_paths(key)]
        found = texts[0] if len(texts) == 1 else ibis.coalesce(*texts)
        return ibis.ifelse(_duckdb_json_valid(doc), found, ibis.null("string"))
    if engine == "postgres":
        return _postgres_property_text(properties, key)
    doc = properties.cast("string")
    texts = [
        _spark_json_text(doc, ibis.literal("$" + "".join(f"['{p}']" for p in parts)))
        for parts in key_paths(key)
    ]
    return texts[0] if len(texts) == 1 else ibis.coalesce(*texts)


def _postgres_property_text(properties: ir.Value, key: str) -> ir.StringValue:
    """PostgreSQL keeps ``properties`` as text (docs/scale.md): cast to ``json``, not ``jsonb``,
    so an object or array comes back as the compact text ingest wrote, as DuckDB and Spark give
    it. The cast refuses text that is not JSON; ingest only writes JSON there."""
    doc = properties.cast(dt.json)
    texts = []
    for parts in key_paths(key):
        inner = doc
        for part in parts[:-1]:
            inner = _postgres_json_at(inner, ibis.literal(part))
        texts.append(_postgres_json_text(inner, ibis.literal(parts[-1])))
    return texts[0] if len(texts) == 1 else ibis.coalesce(*texts)


def as_number(text: ir.StringValue, engine: str = "duckdb") -> ir.FloatingValue:
    """``text`` as a double when it is a plain decimal number (see :data:`NUMBER`), else NULL."""
    number = ibis.ifelse(
        text.re_search(NUMBER.spelled_for(engine)), text.try_cast("float64"), ibis.null("float64")
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
    for parts in key_paths(key):
        value = _python_at(properties, parts)
        if value is not None:
            return value
    return None


def _python_at(properties: Any, parts: tuple[str, ...]) -> Any:
    value: Any = properties
    for part in parts:
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
