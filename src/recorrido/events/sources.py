"""Open one source file in the staging engine as a table of raw records.

Each reader returns the file's own columns plus ``__row``: where the record sits in the file (the
line number for CSV, counting the header as line 1, and for NDJSON; the 1-based row for Parquet), so
that a refused record can be found again. Formats: CSV (any delimiter and encoding DuckDB reads),
Parquet, NDJSON / JSON arrays, and Segment-spec JSON (see :mod:`recorrido.events.segment`).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt

from recorrido.errors import RecorridoError

FORMATS = ("csv", "parquet", "ndjson", "segment")
SEGMENT_TYPES = {"track", "identify", "page", "screen", "alias", "group"}
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "ndjson",
}
_ROW = "__row"


@dataclass
class RawSource:
    path: Path
    format: str
    table: ibis.Table
    #: CSV lines the reader could not split into the file's columns.
    rejects_table: str | None = None
    #: First line that holds data (2 when the file has a header line).
    first_data_line: int = 2


def detect_format(path: Path) -> str:
    """The format by file suffix; JSON files whose records are Segment calls are ``segment``."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise RecorridoError("format_unknown", file=str(path))
    if fmt == "ndjson" and _looks_like_segment(path):
        return "segment"
    return fmt


def _looks_like_segment(path: Path) -> bool:
    """Whether the first record is a Segment call (has a known ``type`` and a Segment id key)."""
    try:
        with path.open(encoding="utf-8") as handle:
            head = "".join(itertools.islice(handle, 50)).lstrip()
    except (OSError, UnicodeDecodeError):
        return False
    first: object = None
    if head.startswith("["):
        decoder = json.JSONDecoder()
        try:
            first, _ = decoder.raw_decode(head[1:].lstrip())
        except json.JSONDecodeError:
            return False
    else:
        line = head.split("\n", 1)[0]
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            return False
    return (
        isinstance(first, dict)
        and first.get("type") in SEGMENT_TYPES
        and any(key in first for key in ("messageId", "userId", "anonymousId"))
    )


def open_source(
    staging: ibis.BaseBackend,
    path: Path,
    fmt: str,
    *,
    name: str,
    delimiter: str | None = None,
    encoding: str | None = None,
    explode: str | None = None,
) -> RawSource:
    """Read ``path`` as ``fmt`` into the staging engine (lazily: a view, scanned once later)."""
    try:
        if fmt == "csv":
            source = _read_csv(staging, path, name, delimiter, encoding)
        elif fmt == "parquet":
            table = staging.read_parquet(path, table_name=name, file_row_number=True)
            table = table.mutate(**{_ROW: table.file_row_number + 1}).drop("file_row_number")
            source = RawSource(path, fmt, table)
        elif fmt in ("ndjson", "segment"):
            source = _read_json(staging, path, fmt, name)
        else:
            raise RecorridoError("format_unknown", file=str(path))
        if explode:
            source.table = _explode(source.table, explode, path)
    except duckdb.Error as exc:
        raise RecorridoError(
            "file_unreadable", file=str(path), format=fmt, detail=_first_line(exc)
        ) from exc
    return source


def _read_csv(
    staging: ibis.BaseBackend,
    path: Path,
    name: str,
    delimiter: str | None,
    encoding: str | None,
) -> RawSource:
    options: dict[str, object] = {
        # CSV has no types: every value stays text until a canonical field asks for a number or a
        # time, so nothing is guessed wrong by a sniffer and no property is silently converted.
        "all_varchar": True,
        "header": True,
        "store_rejects": True,
        "rejects_table": f"{name}_rejects",
        "rejects_scan": f"{name}_rejects_scan",
    }
    if delimiter:
        options["delim"] = delimiter
    if encoding:
        options["encoding"] = encoding
    table = staging.read_csv(path, table_name=name, **options)
    # DuckDB keeps the file's order for an unordered row_number(); the rejected lines are taken
    # out of this numbering, and put back when a refused row's line is reported.
    table = table.mutate(**{_ROW: ibis.row_number() + 2})
    return RawSource(path, "csv", table, rejects_table=f"{name}_rejects")


def _read_json(staging: ibis.BaseBackend, path: Path, fmt: str, name: str) -> RawSource:
    options: dict[str, object] = {"format": "auto"}
    if fmt == "segment":
        from recorrido.events.segment import SEGMENT_COLUMNS

        options["columns"] = SEGMENT_COLUMNS
    table = staging.read_json(path, table_name=name, **options)
    table = table.mutate(**{_ROW: ibis.row_number() + 1})
    return RawSource(path, fmt, table, first_data_line=1)


def _explode(table: ibis.Table, column: str, path: Path) -> ibis.Table:
    if column not in table.columns:
        from recorrido.errors import did_you_mean

        hint = did_you_mean(column, table.columns)
        raise RecorridoError(
            "column_missing",
            file=str(path),
            column=column,
            field="explode",
            columns=", ".join(c for c in table.columns if c != _ROW),
            hint=f" → {hint}" if hint else "",
        )
    if not isinstance(table[column].type(), dt.Array):
        raise RecorridoError("explode_not_list", file=str(path), column=column)
    table = table.unnest(column)
    if isinstance(table[column].type(), dt.Struct):
        table = table.unpack(column)
    return table


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_rejects(staging: ibis.BaseBackend, source: RawSource) -> ibis.Table | None:
    """The malformed lines of a CSV scan (after the scan ran), one row per line."""
    if source.rejects_table is None:
        return None
    try:
        rejects = staging.table(source.rejects_table)
    except Exception:  # the reader creates the table only when it rejected something
        return None
    grouped = rejects.group_by(line=rejects.line.cast("int64")).aggregate(
        message=rejects.error_message.first(),
        text=rejects.csv_line.first(),
    )
    return grouped
