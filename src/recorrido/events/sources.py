"""Open one source file in the staging engine as a table of raw records.

Each reader returns the file's own columns plus ``__row``: where the record sits in the file (the
line number for CSV, counting the header as line 1, and for NDJSON; the 1-based row for Parquet), so
that a refused record can be found again. Formats: CSV (any delimiter and encoding DuckDB reads),
Parquet, NDJSON / JSON arrays, and Segment-spec JSON (see :mod:`recorrido.events.segment`).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
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
    #: Whether ``__row`` already counts the rejected lines (no shift needed when reporting).
    rows_are_lines: bool = False
    #: A folder of files made while reading, removed once the source has been staged.
    scratch: Path | None = None


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
            if head.startswith("{") and '"batch"' in head[:200]:
                # A batch call is one document, often spread over many lines.
                head = json.dumps(json.loads(head + handle.read()))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
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
    if isinstance(first, dict) and isinstance(first.get("batch"), list) and first["batch"]:
        first = first["batch"][0]  # Segment's batch call: {"batch": [call, call, ...]}
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
    salvage: bool = False,
) -> RawSource:
    """Read ``path`` as ``fmt`` into the staging engine (lazily: a view, scanned once later).

    ``salvage`` re-reads a newline-delimited JSON file line by line after the fast reader
    refused it (see :func:`salvage_json_lines`).
    """
    try:
        if fmt == "csv":
            source = _read_csv(staging, path, name, delimiter, encoding)
        elif fmt == "parquet":
            table = staging.read_parquet(path, table_name=name, file_row_number=True)
            table = table.mutate(**{_ROW: table.file_row_number + 1}).drop("file_row_number")
            source = RawSource(path, fmt, table)
        elif fmt in ("ndjson", "segment") and salvage:
            source = salvage_json_lines(staging, path, fmt, name)
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

        if _is_segment_batch(path):
            batch = f"STRUCT({_struct_fields(SEGMENT_COLUMNS)})[]"
            table = staging.read_json(path, table_name=name, columns={"batch": batch})
            table = table.unnest("batch", offset="__index").unpack("batch")
            table = table.mutate(**{_ROW: table["__index"] + 1}).drop("__index")
            return RawSource(path, fmt, table, first_data_line=1, rows_are_lines=True)
        options["columns"] = SEGMENT_COLUMNS
    table = staging.read_json(path, table_name=name, **options)
    table = table.mutate(**{_ROW: ibis.row_number() + 1})
    return RawSource(path, fmt, table, first_data_line=1)


def salvage_json_lines(staging: ibis.BaseBackend, path: Path, fmt: str, name: str) -> RawSource:
    """Read a newline-delimited JSON file that the fast reader refused, line by line.

    Good lines are kept with their line numbers; a line that is not one JSON object becomes a
    rejected line (quarantined with its text), so one bad line no longer costs the whole file.
    This runs only after the fast reader failed, so clean files never pay for it.
    """
    scratch = Path(tempfile.mkdtemp(prefix="recorrido-salvage-"))
    good = scratch / "good.jsonl"
    rejects: dict[str, list] = {"line": [], "error_message": [], "csv_line": []}
    with (
        path.open(encoding="utf-8", errors="replace") as source,
        good.open("w", encoding="utf-8") as kept,
    ):
        for number, text in enumerate(source, start=1):
            line = text.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                problem = f"not JSON: {exc.msg} (character {exc.colno})"
            else:
                if isinstance(record, dict):
                    # The line's own text is kept as it is, wrapped with its number.
                    kept.write(f'{{"__line": {number}, "__record": {line}}}\n')
                    continue
                problem = "not a JSON object"
            rejects["line"].append(number)
            rejects["error_message"].append(problem)
            rejects["csv_line"].append(text.rstrip("\r\n"))
    record_type: object = "auto"
    if fmt == "segment":
        from recorrido.events.segment import SEGMENT_COLUMNS

        record_type = f"STRUCT({_struct_fields(SEGMENT_COLUMNS)})"
    if good.stat().st_size:
        if record_type == "auto":
            table = staging.read_json(good, table_name=name, format="newline_delimited")
        else:
            table = staging.read_json(
                good,
                table_name=name,
                format="newline_delimited",
                columns={"__line": "BIGINT", "__record": record_type},
            )
        table = table.unpack("__record").rename({_ROW: "__line"})
    else:
        shutil.rmtree(scratch, ignore_errors=True)
        first = rejects["error_message"][0] if rejects["line"] else "no records"
        raise RecorridoError("file_unreadable", file=str(path), format=fmt, detail=first)
    rejects_name = f"{name}_rejects"
    staging.create_table(
        rejects_name,
        ibis.memtable(
            rejects, schema={"line": "int64", "error_message": "string", "csv_line": "string"}
        ),
        temp=True,
        overwrite=True,
    )
    return RawSource(
        path,
        fmt,
        table,
        rejects_table=rejects_name,
        first_data_line=1,
        rows_are_lines=True,
        scratch=scratch,
    )


def _is_segment_batch(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as handle:
        start = handle.read(4096).lstrip()
    return start.startswith("{") and '"batch"' in start[:200]


def _struct_fields(columns: dict[str, str]) -> str:
    return ", ".join(f'"{key}" {kind}' for key, kind in columns.items())


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
