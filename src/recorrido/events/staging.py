"""Staging one file: read it in the staging engine (embedded DuckDB), check every record into a
temporary table with each refused row's reason, and gather the refused rows and unreadable lines
for the quarantine, numbered as in the file."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError
from recorrido.events.fields import source_fields
from recorrido.events.ingest_model import FileReport, IngestOptions
from recorrido.events.sources import RawSource, detect_format, open_source, read_rejects
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
        checked = check_records(
            source.table,
            fields,
            field_columns,
            time=TimeOptions(
                mapping.timestamp_format, mapping.timestamp_unit, mapping.decimal_separator
            ),
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
        raise RecorridoError(
            "file_unreadable", file=str(path), format=fmt, detail=str(exc).splitlines()[0]
        ) from exc
    finally:
        if source.scratch is not None:
            shutil.rmtree(source.scratch, ignore_errors=True)
    rejects = read_rejects(staging, source)
    stage_rows = int(stage.count().execute())
    reject_rows = int(rejects.count().execute()) if rejects is not None else 0
    report = FileReport(
        file=str(path), format=fmt, rows_read=stage_rows + reject_rows, mapping=field_columns
    )
    report.quarantined = reject_rows
    return report, stage, source


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
