"""DuckDB functions that Ibis does not wrap, declared once so expressions stay typed.

Only the staging step of ingest uses them, and staging always runs on embedded DuckDB.
"""

import ibis
import ibis.expr.datatypes as dt


@ibis.udf.scalar.builtin(name="try_strptime")
def try_strptime(text: str, fmt: str) -> dt.timestamp:  # type: ignore[empty-body]
    """Parse ``text`` with a strptime format; NULL when it does not parse."""


@ibis.udf.scalar.builtin(name="to_timestamp")
def epoch_seconds_to_timestamp(seconds: float) -> dt.Timestamp(timezone="UTC"):  # type: ignore[empty-body]
    """Seconds since 1970-01-01 UTC as an instant."""


@ibis.udf.scalar.builtin(name="json_extract_string")
def json_text(doc: dt.json, path: str) -> str:  # type: ignore[empty-body]
    """The value at ``path`` of a JSON document, as text (NULL when absent)."""


@ibis.udf.scalar.builtin(name="json_merge_patch")
def json_merge(base: dt.json, patch: dt.json) -> dt.json:  # type: ignore[empty-body]
    """``base`` with the keys of ``patch`` set (RFC 7396)."""


@ibis.udf.scalar.builtin(name="json_object")
def json_pair(key: str, value: dt.json) -> dt.json:  # type: ignore[empty-body]
    """A JSON object with one key."""


@ibis.udf.scalar.builtin(name="to_json")
def text_as_json(value: str) -> dt.json:  # type: ignore[empty-body]
    """Text as a JSON string value."""
