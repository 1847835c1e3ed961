"""Open one source file in the staging engine as a table of raw records.

Each reader returns the file's own columns plus ``__row``: where the record sits in the file (the
line number for CSV, counting the header as line 1, and for NDJSON; the 1-based row for Parquet; the
event's place in the log for XES), so that a refused record can be found again. Formats: CSV (any
delimiter; any encoding, see :mod:`recorrido.events.text_encoding`), Parquet, NDJSON / JSON arrays,
Segment-spec JSON (see :mod:`recorrido.events.segment`) and XES (see :mod:`recorrido.events.xes`).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt

from recorrido.errors import RecorridoError
from recorrido.events.handoff import SCRATCH_PREFIX, scratch_folder
from recorrido.events.raw_source import RawSource
from recorrido.events.text_encoding import check_complete, decide_encoding, open_bytes, transcode

FORMATS = ("csv", "parquet", "ndjson", "segment", "xes")
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
    ".xes": "xes",
}
_ROW = "__row"
#: Spreadsheet files: not read (no reader here keeps their types and dates apart), said so.
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")


def detect_format(path: Path) -> str:
    """The format by file suffix; JSON files whose records are Segment calls are ``segment``."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None and suffixes and suffixes[-1] in _SPREADSHEETS:
        raise RecorridoError("events_spreadsheet", file=str(path))
    if fmt is None:
        raise RecorridoError("format_unknown", file=str(path))
    if fmt == "ndjson" and (_is_segment_batch(path) or _looks_like_segment(path)):
        return "segment"
    return fmt


def _head_text(path: Path, size: int = 1 << 16) -> str:
    try:
        with open_bytes(path) as handle:
            head = handle.read(size)
    except (OSError, EOFError):
        return ""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if head.startswith(bom):
            return head.decode(codec, errors="replace")
    return head.decode("utf-8", errors="replace")


def _looks_like_segment(path: Path) -> bool:
    """Whether the first record is a Segment call (has a known ``type`` and a Segment id key)."""
    head = _head_text(path).lstrip()
    first: object = None
    decoder = json.JSONDecoder()
    try:
        if head.startswith("{") and '"batch"' in head[:200]:
            # A batch call is one document, often spread over many lines: its first call is
            # enough, read from the text after the opening bracket of the list.
            start = head.index("[", head.index('"batch"')) + 1
            first, _ = decoder.raw_decode(head[start:].lstrip())
        elif head.startswith("["):
            first, _ = decoder.raw_decode(head[1:].lstrip())
        else:
            first = json.loads(head.split("\n", 1)[0])
    except (ValueError, json.JSONDecodeError, RecursionError):
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
    salvage: bool = False,
) -> RawSource:
    """Read ``path`` as ``fmt`` into the staging engine (lazily: a view, scanned once later).

    Every file is checked first (not empty, not a truncated gzip); text files are read in the
    encoding :func:`~recorrido.events.text_encoding.decide_encoding` finds, before their header.
    ``salvage`` re-reads a newline-delimited JSON file line by line after the fast reader
    refused it (see :func:`salvage_json_lines`).
    """
    if fmt not in FORMATS:
        raise RecorridoError("format_unknown", file=str(path))
    check_complete(path)
    read_path, scratch, decided = path, None, None
    try:
        if fmt in ("csv", "ndjson", "segment"):
            decided = decide_encoding(path, encoding)
            if decided.codec:
                scratch = scratch_folder("text-")
                suffix = ".csv" if fmt == "csv" else ".jsonl"
                read_path = transcode(path, decided, scratch / f"utf8{suffix}")
        if fmt == "csv":
            source = _read_csv(staging, read_path, name, delimiter)
        elif fmt == "parquet":
            table = staging.read_parquet(path, table_name=name, file_row_number=True)
            _refuse_reserved(table, path)
            table = table.mutate(**{_ROW: table.file_row_number + 1}).drop("file_row_number")
            source = RawSource(path, fmt, table)
        elif fmt == "xes":
            from recorrido.events.xes import read_xes

            scratch = scratch_folder("xes-")
            source = read_xes(staging, path, name, scratch)
        elif fmt == "segment" and _is_segment_batch(read_path):
            scratch = scratch or scratch_folder("batch-")
            source = _read_segment_batch(staging, path, read_path, name, scratch)
        elif salvage:
            scratch = scratch or scratch_folder("salvage-")
            source = salvage_json_lines(staging, read_path, fmt, name, scratch=scratch)
        else:
            source = _read_json(staging, read_path, fmt, name)
        source.path = path
        source.scratch = scratch
        source.encoding = decided.name if decided and (decided.codec or encoding) else None
        if explode:
            source.table = _explode(source.table, explode, path)
    except duckdb.Error as exc:
        _remove(scratch)
        raise RecorridoError(
            "file_unreadable",
            file=str(path),
            format=fmt,
            detail=hide_scratch(_first_line(exc), path),
        ) from exc
    except BaseException:
        _remove(scratch)
        raise
    return source


def hide_scratch(text: str, path: Path) -> str:
    """``text`` with the scratch files this ingest made named as the file they came from."""
    folder = re.escape(tempfile.gettempdir().rstrip("/"))
    return re.sub(rf"{folder}/{SCRATCH_PREFIX}[^\s'\"]*", str(path), text)


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _read_csv(
    staging: ibis.BaseBackend,
    path: Path,
    name: str,
    delimiter: str | None,
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
    # The file is UTF-8 here: other encodings were decoded into a UTF-8 copy before the header.
    read = staging.read_csv(path, table_name=name, **options)
    _refuse_reserved(read, path)
    # DuckDB keeps the file's order for an unordered row_number(); the rejected lines are taken
    # out of this numbering, and put back when a refused row's line is reported.
    table = read.mutate(**{_ROW: ibis.row_number() + 2})
    return RawSource(path, "csv", table, rejects_table=f"{name}_rejects", head=read)


def _read_json(staging: ibis.BaseBackend, path: Path, fmt: str, name: str) -> RawSource:
    # records: a line that is not an object stops the fast reader, and the file is read again
    # line by line with that line quarantined (rather than read as a one-column table).
    options: dict[str, object] = {"format": "auto", "records": "true"}
    # Deeper values stay JSON: a type thousands of levels deep overflows the parsers that read it.
    options["maximum_depth"] = 32
    if fmt == "segment":
        from recorrido.events.segment import SEGMENT_COLUMNS

        options["columns"] = SEGMENT_COLUMNS
    # Types the engine cannot hand over send the file to salvage_json_lines, which reads it.
    read = _readable(staging, path, name, options)
    table = read.mutate(**{_ROW: ibis.row_number() + 1})
    return RawSource(path, fmt, table, first_data_line=1, head=read)


def _readable(staging: ibis.BaseBackend, path: Path, name: str, options: dict) -> ibis.Table:
    """``read_json`` of ``path``, or a DuckDB error when the types the engine found cannot be
    read: an object with an empty key (``{"": 1}``) is typed as a struct whose fields have no
    names, and an object that is always empty as a map, which Ibis refuses with an assertion."""
    try:
        table = staging.read_json(path, table_name=name, **options)
    except duckdb.Error:
        raise
    except Exception as exc:
        raise duckdb.InvalidInputException(f"a nested value of a type not read: {exc}") from exc
    unknown = [c for c, kind in table.schema().items() if _holds_unknown(kind)]
    if unknown:
        raise duckdb.InvalidInputException(f"a nested value of a type not read: {unknown[0]}")
    if _ROW in table.columns:
        # Some lines use the reader's own key: read line by line, so only they are quarantined.
        raise duckdb.InvalidInputException(f"a key named {_ROW}")
    return table


def _refuse_reserved(table: ibis.Table, path: Path) -> None:
    """A column named like the reader's row number would silently replace it (and its values
    would be lost): refuse the file, naming the column, rather than drop them."""
    if _ROW in table.columns:
        raise RecorridoError("column_reserved", file=str(path), column=_ROW)


def _holds_unknown(kind: dt.DataType) -> bool:
    if isinstance(kind, dt.Unknown):
        return True
    if isinstance(kind, dt.Struct):
        return any(_holds_unknown(k) for k in kind.types)
    if isinstance(kind, dt.Array):
        return _holds_unknown(kind.value_type)
    if isinstance(kind, dt.Map):
        return _holds_unknown(kind.key_type) or _holds_unknown(kind.value_type)
    return False


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _DuplicateKey(twice)
    return record


class _DuplicateKey(ValueError):
    pass


def _parse_record(text: str) -> tuple[dict | None, str | None]:
    """(the JSON object, None) or (None, why the text is not one)."""
    try:
        record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as exc:
        return None, f"duplicate key '{exc.args[0]}'"
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} (character {exc.colno})"
    except RecursionError:
        return None, "nested too deeply"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    return record, None


def _column_problem(record: dict) -> str | None:
    """Why a key of ``record`` cannot be a column: a column needs a name, and the engine's SQL
    cannot hold a NUL character."""
    for key in record:
        if not key:
            return "a key with no name"
        if "\x00" in key:
            return f"a key holding a NUL character ({key!r})"
        if key == _ROW:
            return f"a key named {_ROW}, which recorrido keeps for the line number"
    return None


def salvage_json_lines(
    staging: ibis.BaseBackend,
    path: Path,
    fmt: str,
    name: str,
    *,
    scratch: Path,
) -> RawSource:
    """Read a newline-delimited JSON file that the fast reader refused, line by line.

    Good lines are kept with their line numbers; a line that is not one JSON object (or not
    UTF-8, or with a key written twice) becomes a rejected line, quarantined with its text, so one
    bad line no longer costs the whole file. This runs only after the fast reader failed, so
    clean files never pay for it.
    """

    def numbered() -> Iterator[tuple[int, dict | None, str | None, str]]:
        with path.open("rb") as source:
            for number, raw in enumerate(source, start=1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    shown = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    yield number, None, f"not valid UTF-8 (byte {exc.start + 1})", shown
                    continue
                if not text.strip():
                    continue
                record, problem = _parse_record(text)
                if record is not None and (problem := _column_problem(record)):
                    record = None
                yield number, record, problem, text.rstrip("\r\n")

    return _staged_records(staging, numbered(), path, fmt, name, scratch)


def _read_segment_batch(
    staging: ibis.BaseBackend, path: Path, read_path: Path, name: str, scratch: Path
) -> RawSource:
    """A Segment batch call (``{"batch": [call, ...]}``): each call is numbered by its place in
    the batch; an element that is not a call (not an object) is quarantined alone."""
    with open_bytes(read_path) as source:  # a .json.gz batch is decompressed here
        data = source.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        detail = f"not valid UTF-8 (byte {exc.start + 1})"
        raise RecorridoError(
            "file_unreadable", file=str(path), format="segment", detail=detail
        ) from exc
    document, problem = _parse_record(text)
    if document is None or not isinstance(document.get("batch"), list):
        raise RecorridoError(
            "file_unreadable", file=str(path), format="segment", detail=problem or "no batch"
        )

    def numbered() -> Iterator[tuple[int, dict | None, str | None, str]]:
        for number, call in enumerate(document["batch"], start=1):
            text = json.dumps(call, ensure_ascii=False)
            if isinstance(call, dict):
                yield number, call, None, text
            else:
                yield number, None, "not a JSON object", text

    return _staged_records(staging, numbered(), path, "segment", name, scratch)


def _staged_records(
    staging: ibis.BaseBackend,
    records: Iterable[tuple[int, dict | None, str | None, str]],
    path: Path,
    fmt: str,
    name: str,
    scratch: Path,
) -> RawSource:
    """Good records written to a clean NDJSON file (each with its number) and read by the
    engine; refused ones kept as rejected lines with their reason and text."""
    good = scratch / "records.jsonl"
    rejects: dict[str, list] = {"line": [], "error_message": [], "csv_line": []}
    kinds: dict[str, set[str]] = {}
    with good.open("w", encoding="utf-8") as kept:
        for number, record, problem, text in records:
            if record is None:
                rejects["line"].append(number)
                rejects["error_message"].append(problem)
                rejects["csv_line"].append(text)
                continue
            for key, value in record.items():
                kinds.setdefault(key, set()).add(_json_kind(value))
            kept.write(json.dumps({"__line": number, "__record": record}, ensure_ascii=False))
            kept.write("\n")
    if not good.stat().st_size:
        first = rejects["error_message"][0] if rejects["line"] else "no records"
        raise RecorridoError("file_unreadable", file=str(path), format=fmt, detail=first)
    # A key whose values are of different kinds (a number here, text there) is kept as text, so
    # that no good record is refused for its type; null goes with any kind.
    mixed = {key for key, found in kinds.items() if len(found - {"null"}) > 1}
    if mixed and fmt != "segment":
        _write_mixed_as_text(good, mixed)
    if fmt == "segment":
        from recorrido.events.segment import SEGMENT_COLUMNS

        record_type = f"STRUCT({_struct_fields(SEGMENT_COLUMNS)})"
        table = staging.read_json(
            good,
            table_name=name,
            format="newline_delimited",
            columns={"__line": "BIGINT", "__record": record_type},
        )
    elif not kinds:
        # Only empty objects: there are no columns to read, and the engine would type the
        # records as a map; the missing fields are then reported as for any file.
        table = staging.read_json(
            good, table_name=name, format="newline_delimited", columns={"__line": "BIGINT"}
        )
    else:
        options = {"format": "newline_delimited", "sample_size": -1}
        try:
            table = _readable(staging, good, name, options)
        except duckdb.Error:
            # Nested values the engine types in a way that cannot be read (an empty key, an
            # object always empty) are kept as JSON; the other keys keep their plain types.
            record_type = f"STRUCT({_struct_fields(_declared_types(kinds, mixed))})"
            columns = {"__line": "BIGINT", "__record": record_type}
            table = staging.read_json(good, table_name=name, columns=columns, **options)
    if "__record" in table.columns:
        table = table.unpack("__record")
    table = table.rename({_ROW: "__line"})
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
    )


def _declared_types(kinds: dict[str, set[str]], as_text: set[str]) -> dict[str, str]:
    """An engine type for each key from the kinds of its values (see :func:`_json_kind`)."""
    plain = {"str": "VARCHAR", "bool": "BOOLEAN", "number": "DOUBLE"}
    types = {}
    for key, found in kinds.items():
        found = found - {"null"}
        if key in as_text:
            types[key] = "VARCHAR"
        elif len(found) == 1 and next(iter(found)) in plain:
            types[key] = plain[next(iter(found))]
        else:
            types[key] = "JSON"
    return types


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _write_mixed_as_text(good: Path, mixed: set[str]) -> None:
    rewritten = good.with_suffix(".text.jsonl")
    with good.open(encoding="utf-8") as source, rewritten.open("w", encoding="utf-8") as out:
        for line in source:
            item = json.loads(line)
            record = item["__record"]
            for key in mixed & record.keys():
                value = record[key]
                if value is not None and not isinstance(value, str):
                    record[key] = json.dumps(value, ensure_ascii=False)
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    rewritten.replace(good)


def _is_segment_batch(path: Path, size: int = 1 << 16) -> bool:
    """Whether the file is one JSON object whose ``batch`` is a list (whatever the list holds,
    and wherever the key is among the others); a document longer than the bytes looked at is
    taken as a batch when it names ``batch`` first, as Segment's libraries write it."""
    head = _head_text(path, size)
    start = head.lstrip()
    if not start.startswith("{"):
        return False
    try:
        document, end = json.JSONDecoder().raw_decode(start)
    except (ValueError, RecursionError):
        truncated = len(head.encode("utf-8", "replace")) >= size
        return truncated and '"batch"' in start[:200]
    return (
        isinstance(document, dict)
        and isinstance(document.get("batch"), list)
        and not start[end:].strip()
    )


def _struct_fields(columns: dict[str, str]) -> str:
    return ", ".join(f'"{_quoted(key)}" {kind}' for key, kind in columns.items())


def _quoted(key: str) -> str:
    return key.replace('"', '""')


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
