"""Staging one file: read it in the staging engine (embedded DuckDB), check every record into a
temporary table with each refused row's reason, and gather the refused rows and unreadable lines
for the quarantine, numbered as in the file."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError
from recorrido.events.fields import source_fields
from recorrido.events.ingest_model import FileReport, IngestOptions
from recorrido.events.recognise import recognise_time_format, uses_decimal_comma
from recorrido.events.sources import (
    RawSource,
    detect_format,
    hide_scratch,
    open_source,
    read_rejects,
)
from recorrido.events.validate import TimeOptions, check_records


def _rejected_lines(rejects: ibis.Table, ingest_id: int, path: Path) -> ibis.Table:
    return rejects.select(
        ingest_id=ibis.literal(ingest_id, type="int64"),
        file=ibis.literal(str(path)),
        row=rejects.line,
        column=ibis.null("string"),
        reason_code=ibis.literal("malformed_line"),
        detail=rejects.message,
        record=rejects.text,
    )


def stage_file(
    staging: ibis.BaseBackend,
    path: Path,
    index: int,
    ingest_id: int,
    options: IngestOptions,
    now: datetime,
) -> tuple[FileReport, ibis.Table, RawSource]:
    fmt = options.format or detect_format(path)
    try:
        return _stage_source(staging, path, fmt, index, ingest_id, options, now, salvage=False)
    except RecorridoError as exc:
        if exc.key != "file_unreadable" or fmt not in ("ndjson", "segment"):
            raise
    # The fast JSON reader stops at the first bad line; read line by line to quarantine it.
    return _stage_source(staging, path, fmt, index, ingest_id, options, now, salvage=True)


def _stage_source(
    staging: ibis.BaseBackend,
    path: Path,
    fmt: str,
    index: int,
    ingest_id: int,
    options: IngestOptions,
    now: datetime,
    *,
    salvage: bool,
) -> tuple[FileReport, ibis.Table, RawSource]:
    mapping = options.mapping
    source = open_source(
        staging,
        path,
        fmt,
        name=f"__src_{ingest_id}_{index}{'_salvaged' if salvage else ''}",
        delimiter=options.delimiter,
        encoding=options.encoding,
        explode=mapping.explode,
        salvage=salvage,
    )
    try:
        fields, field_columns = source_fields(source, mapping)
        warnings = _scientific_ids(source, field_columns)
        time, recognised, hints = _time_and_numbers(source, fields, field_columns, mapping)
        checked = check_records(
            source.table,
            fields,
            field_columns,
            time=time,
            now=now,
            file=str(path),
            default_source=path.name,
            defaults=mapping.defaults,
        ).mutate(__file=ibis.literal(index, type="int64"))
        name = f"__stage_{ingest_id}_{index}"
        # Dropped first rather than overwritten: Ibis overwrites a temporary table on DuckDB by
        # writing it twice, which costs a third of the staging time.
        staging.drop_table(name, force=True)
        stage = staging.create_table(name, checked, temp=True)
    except RecorridoError:
        raise
    except Exception as exc:  # the engine's own words about the file, with the file named
        detail = hide_scratch(str(exc).strip().splitlines()[0] if str(exc).strip() else "", path)
        raise RecorridoError(
            "file_unreadable", file=str(path), format=fmt, detail=detail or type(exc).__name__
        ) from exc
    finally:
        if source.scratch is not None:
            shutil.rmtree(source.scratch, ignore_errors=True)
    rejects = read_rejects(staging, source)
    counts = (
        stage.aggregate(
            rows=stage.count(),
            customer=stage.__null_like_customer.cast("int64").sum(),
            anonymous=stage.__null_like_anonymous.cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    stage_rows = int(counts["rows"])
    reject_rows = int(rejects.count().execute()) if rejects is not None else 0
    report = FileReport(
        file=str(path),
        format=fmt,
        rows_read=stage_rows + reject_rows,
        mapping=field_columns,
        encoding=source.encoding,
        recognised=recognised,
        hints=hints,
        warnings=warnings,
        null_like_ids={
            field_columns.get(field, field): int(counts[key] or 0)
            for field, key in (("customer_id", "customer"), ("anonymous_id", "anonymous"))
            if counts[key]
        },
    )
    report.quarantined = reject_rows
    return report, stage, source


def _time_and_numbers(
    source: RawSource, fields: dict, field_columns: dict[str, str], mapping
) -> tuple[TimeOptions, dict[str, str], dict[str, str]]:
    """How to read the timestamp and value fields: as the mapping says, or as recognised from a
    sample of the file when the mapping says nothing and the sample leaves no doubt; plus hints
    for the advice when it cannot be recognised."""
    time_format, decimal = mapping.timestamp_format, mapping.decimal_separator
    recognised: dict[str, str] = {}
    hints: dict[str, str] = {}
    generic = source.format in ("csv", "ndjson")
    raw_time = fields.get("timestamp")
    if (
        generic
        and not time_format
        and not mapping.timestamp_unit
        and raw_time is not None
        and raw_time.type().is_string()
    ):
        values = _sample(source, field_columns["timestamp"])
        unread = _unread_as_timestamps(source.table, values)
        # Only when the engine reads (nearly) none of them: a file of ISO times with a few odd
        # rows keeps its ISO reading, and the odd rows are refused one by one.
        if values and len(unread) >= 0.9 * len(values):
            layout, _ = recognise_time_format(unread)
            if layout:
                time_format = recognised["timestamp_format"] = layout
            elif "timestamp" not in mapping.columns:
                # The column was taken for its name (GA's `time` holds seconds on site); another
                # column may hold the dates, and the advice can name it.
                other = _date_like_column(source, set(field_columns.values()))
                if other is not None:
                    hints["timestamp_column"], hints["timestamp_example"] = other
    raw_value = fields.get("value")
    if (
        generic
        and decimal == "."
        and raw_value is not None
        and raw_value.type().is_string()
        and uses_decimal_comma(_sample(source, field_columns["value"]))
    ):
        decimal = recognised["decimal_separator"] = ","
    return TimeOptions(time_format, mapping.timestamp_unit, decimal), recognised, hints


_SAMPLE_ROWS = 2000
#: A number as spreadsheets and float formatting write it when it is too long to show whole
#: (``2.81772E+18``): one digit, a few decimals, an exponent.
_SCIENTIFIC = re.compile(r"^[-+]?\d(\.\d+)?[eE]\+?\d+$")


def _scientific_ids(source: RawSource, field_columns: dict[str, str]) -> list[dict[str, str]]:
    """A warning for each identity column whose sampled values are numbers in scientific notation.

    Such ids lost their last digits when the file was written (``2.81772E+18`` stands for every
    visitor from 2817715000000000000 to 2817725000000000000), so distinct people may share one
    id. The file is still read: the ids are all there is, and the loss happened before recorrido.
    """
    warnings = []
    columns = set(source.table.columns)
    for field in ("customer_id", "anonymous_id"):
        column = field_columns.get(field)
        if column is None or column not in columns:
            continue
        found = [v for v in _sample(source, column) if _SCIENTIFIC.match(v.strip())]
        if found:
            warnings.append(
                {
                    "code": "events_warning_scientific_ids",
                    "field": field,
                    "column": column,
                    "example": found[0].strip(),
                }
            )
    return warnings


def _sample(source: RawSource, column: str) -> list[str]:
    # The unnumbered read: numbering the rows would make the engine read the whole file first.
    table = source.head if source.head is not None else source.table
    if column not in table.columns:
        table = source.table
    # Every column is read and one kept here: DuckDB's CSV reader with rejected lines fails
    # inside (and invalidates the database) when a scan reads only some columns of a file with a
    # line that is not UTF-8 in its last column (DuckDB 1.5).
    rows = table.filter(table[column].notnull()).limit(_SAMPLE_ROWS).to_pyarrow()
    return [str(v) for v in rows.column(column).to_pylist()]


def _date_like_column(source: RawSource, taken: set[str]) -> tuple[str, str] | None:
    """A text column, not already a field, whose first values read as timestamps."""
    table = source.head if source.head is not None else source.table
    candidates = [
        c for c in table.columns if c not in taken and c != "__row" and table[c].type().is_string()
    ]
    if not candidates:
        return None
    rows = table.limit(200).to_pyarrow()  # every column: see _sample
    for column in candidates:
        values = [str(v) for v in rows.column(column).to_pylist() if v not in (None, "")]
        if len(values) < 2:
            continue
        unread = _unread_as_timestamps(table, values)
        if len(unread) <= 0.1 * len(values) or recognise_time_format(values)[0]:
            return column, values[0]
    return None


def _unread_as_timestamps(table: ibis.Table, values: list[str]) -> list[str]:
    if not values:
        return []
    sample = ibis.memtable({"v": values}, schema={"v": "string"})
    unread = sample.filter(sample.v.strip().try_cast("timestamp('UTC')").isnull())
    return [str(v) for v in unread.to_pyarrow().column("v").to_pylist()]


def quarantined_rows(
    staging: ibis.BaseBackend,
    stages: list[ibis.Table],
    sources: list[RawSource],
    reports: list[FileReport],
    ingest_id: int,
    paths: list[Path],
) -> ibis.Table:
    parts: list[ibis.Table] = []
    for stage, source, report, path in zip(stages, sources, reports, paths, strict=True):
        bad = stage.filter(stage.__problem.notnull())
        row = bad.__row
        rejects = read_rejects(staging, source)
        if rejects is not None and report.quarantined and source.rows_are_lines:
            parts.append(_rejected_lines(rejects, ingest_id, path))
        elif rejects is not None and report.quarantined:
            # Malformed lines are missing from the numbering of the lines that were read; the
            # k-th read line sits after every malformed line L_i (i-th of them) with L_i - i < k.
            ranked = rejects.mutate(
                key=rejects.line - ibis.row_number().over(order_by=rejects.line) - 1
            )
            lines = bad.select("__row")
            shifts = (
                lines.join(ranked, ranked.key < lines["__row"])
                .group_by("__row")
                .aggregate(shift=ibis._.count())
            )
            bad = bad.left_join(shifts, "__row")
            row = bad.__row + bad.shift.fill_null(0)
            parts.append(_rejected_lines(rejects, ingest_id, path))
        report.quarantined += int(stage.filter(stage.__problem.notnull()).count().execute())
        parts.append(
            bad.select(
                ingest_id=ibis.literal(ingest_id, type="int64"),
                file=ibis.literal(str(path)),
                row=row.cast("int64"),
                column=bad.__column,
                reason_code=bad.__problem,
                detail=bad.__detail,
                record=bad.__record,
            )
        )
    return ibis.union(*parts)
