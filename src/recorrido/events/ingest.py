"""One ingest: read files, check every record, quarantine the refused, drop duplicates, store the
rest and re-stitch identities, all or nothing.

Reading and checking run in the staging engine (embedded DuckDB, the workspace's own connection
when the workspace is a DuckDB file); de-duplication, storage and stitching run in the workspace's
connection, whatever its backend. On DuckDB the whole ingest is one transaction: a crash or a bad
file leaves the workspace as it was.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.fields import source_fields
from recorrido.events.identity import connected_customers, customer_profiles, identity_links
from recorrido.events.mapping import ColumnMapping
from recorrido.events.sources import detect_format, open_source, read_rejects
from recorrido.events.validate import TimeOptions, check_records


@dataclass
class FileReport:
    file: str
    format: str
    rows_read: int = 0
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass
class IngestReport:
    ingest_id: int
    files: list[FileReport]
    customers: int
    seconds: float

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def ingested(self) -> int:
        return sum(f.ingested for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def to_dict(self) -> dict:
        return {
            "ingest_id": self.ingest_id,
            "rows_read": self.rows_read,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "customers": self.customers,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }


@dataclass
class IngestOptions:
    mapping: ColumnMapping
    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    timezone: str = "UTC"


_CANONICAL = list(schema.CANONICAL_FIELDS)


def run_ingest(
    store: ibis.BaseBackend,
    staging: ibis.BaseBackend,
    paths: list[Path],
    options: IngestOptions,
) -> IngestReport:
    if not paths:
        raise RecorridoError("nothing_to_ingest")
    for path in paths:
        if not path.is_file():
            raise RecorridoError("file_missing", file=str(path))
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    same_engine = store is staging
    log = store.table(schema.INGEST_LOG)
    last = log.ingest_id.max().execute()
    ingest_id = 1 if last is None or last != last else int(last) + 1  # NaN: empty on Spark

    transaction = _Transaction(staging if same_engine else None)
    with _session_timezone(staging, options.timezone), transaction:
        reports: list[FileReport] = []
        stages: list[ibis.Table] = []
        rejected: list[ibis.Table | None] = []
        for index, path in enumerate(paths):
            report, stage, rejects = _stage_file(staging, path, index, ingest_id, options, now)
            reports.append(report)
            stages.append(stage)
            rejected.append(rejects)

        quarantined = _quarantine(stages, rejected, reports, ingest_id, paths)
        _copy_into(store, schema.QUARANTINE, quarantined, same_engine)

        valid = ibis.union(*[s.filter(s.__problem.isnull()) for s in stages])
        # Other engines get the checked rows as a table of their own (dropped at the end).
        batch = valid if same_engine else _upload(store, valid, f"__batch_{ingest_id}")
        first = batch.mutate(
            __rank=ibis.row_number().over(group_by="event_id", order_by=["__file", "__row"])
        )
        first = first.filter(first.__rank == 0)
        raw = store.table(schema.RAW_EVENTS)
        fresh = first.anti_join(raw, "event_id").cache()
        per_file = dict(
            fresh.group_by("__file").aggregate(n=fresh.count()).execute().itertuples(index=False)
        )
        valid_per_file = dict(
            batch.group_by("__file").aggregate(n=batch.count()).execute().itertuples(index=False)
        )
        for index, report in enumerate(reports):
            report.ingested = int(per_file.get(index, 0))
            report.duplicates = int(valid_per_file.get(index, 0)) - report.ingested
        store.insert(schema.RAW_EVENTS, fresh.select(*_CANONICAL))

        _add_links(store, identity_links(valid), ingest_id, same_engine)
        _restitch(store)
        customers = int(store.table(schema.CUSTOMERS).count().execute())

        total = {
            k: sum(getattr(r, k) for r in reports)
            for k in ("rows_read", "ingested", "duplicates", "quarantined")
        }
        entry = ibis.memtable(
            {
                "ingest_id": [ingest_id],
                "finished_at": [datetime.now(UTC)],
                "files": [", ".join(str(p) for p in paths)],
                **{k: [v] for k, v in total.items()},
            },
            schema=schema.INGEST_LOG_SCHEMA,
        )
        store.insert(schema.INGEST_LOG, entry)
    return IngestReport(ingest_id, reports, customers, time.perf_counter() - started)


def _stage_file(
    staging: ibis.BaseBackend,
    path: Path,
    index: int,
    ingest_id: int,
    options: IngestOptions,
    now: datetime,
) -> tuple[FileReport, ibis.Table, ibis.Table | None]:
    fmt = options.format or detect_format(path)
    mapping = options.mapping
    source = open_source(
        staging,
        path,
        fmt,
        name=f"__src_{ingest_id}_{index}",
        delimiter=options.delimiter,
        encoding=options.encoding,
        explode=mapping.explode,
    )
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
    try:
        stage = staging.create_table(f"__stage_{ingest_id}_{index}", checked, temp=True)
    except Exception as exc:  # the engine's own words about the file, with the file named
        if isinstance(exc, RecorridoError):
            raise
        raise RecorridoError(
            "file_unreadable", file=str(path), format=fmt, detail=str(exc).splitlines()[0]
        ) from exc
    rejects = read_rejects(staging, source)
    stage_rows = int(stage.count().execute())
    reject_rows = int(rejects.count().execute()) if rejects is not None else 0
    report = FileReport(
        file=str(path), format=fmt, rows_read=stage_rows + reject_rows, mapping=field_columns
    )
    report.quarantined = reject_rows
    return report, stage, rejects


def _quarantine(
    stages: list[ibis.Table],
    rejected: list[ibis.Table | None],
    reports: list[FileReport],
    ingest_id: int,
    paths: list[Path],
) -> ibis.Table:
    parts: list[ibis.Table] = []
    for stage, rejects, report, path in zip(stages, rejected, reports, paths, strict=True):
        bad = stage.filter(stage.__problem.notnull())
        row = bad.__row
        if rejects is not None and report.quarantined:
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
            parts.append(
                rejects.select(
                    ingest_id=ibis.literal(ingest_id, type="int64"),
                    file=ibis.literal(str(path)),
                    row=rejects.line,
                    column=ibis.null("string"),
                    reason_code=ibis.literal("malformed_line"),
                    detail=rejects.message,
                    record=rejects.text,
                )
            )
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


def _restitch(store: ibis.BaseBackend) -> None:
    identity = connected_customers(store.table("identity_links"))
    store.create_table(schema.IDENTITY_MAP, identity, overwrite=True)
    from recorrido.events.store import events_expression

    store.create_table(
        schema.CUSTOMERS, customer_profiles(events_expression(store)), overwrite=True
    )


def _add_links(
    store: ibis.BaseBackend, links: ibis.Table, ingest_id: int, same_engine: bool
) -> None:
    """Store the identifier pairs not stored yet (links are computed in the staging engine)."""
    if not same_engine:
        if not links.count().execute():
            return
        links = _upload(store, links, f"__links_{ingest_id}")
    known = store.table("identity_links")
    store.insert("identity_links", links.anti_join(known, ["left", "right"]))


def _copy_into(store: ibis.BaseBackend, table: str, expr: ibis.Table, same_engine: bool) -> None:
    if same_engine:
        store.insert(table, expr)
    elif expr.count().execute():  # Spark cannot read the schema of an empty Parquet file
        store.insert(table, _upload(store, expr, f"__copy_{table}"))


def _upload(store: ibis.BaseBackend, expr: ibis.Table, name: str) -> ibis.Table:
    """Hand staged rows to another engine through a Parquet file, which keeps NULLs and types
    exactly (a trip through pandas would turn missing text into the string 'NaN')."""
    folder = Path(tempfile.mkdtemp(prefix="recorrido-"))
    path = folder / f"{name.lstrip('_')}.parquet"  # Spark skips files named _*
    expr.to_parquet(path)
    return store.read_parquet(path, table_name=name)


class _Transaction:
    """BEGIN/COMMIT around the ingest on DuckDB; ROLLBACK when anything fails."""

    def __init__(self, duckdb_backend: ibis.BaseBackend | None) -> None:
        self.backend = duckdb_backend

    def __enter__(self) -> None:
        if self.backend is not None:
            self.backend.raw_sql("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.backend is None:
            return
        if exc_type is None:
            self.backend.raw_sql("COMMIT")
        else:
            self.backend.raw_sql("ROLLBACK")


class _session_timezone:
    """Read naive source times in ``zone``; the engine goes back to UTC afterwards."""

    def __init__(self, staging: ibis.BaseBackend, zone: str) -> None:
        self.staging, self.zone = staging, zone

    def __enter__(self) -> None:
        self.staging.con.execute("SET TimeZone = ?", [self.zone])

    def __exit__(self, *exc: object) -> None:
        self.staging.con.execute("SET TimeZone = 'UTC'")
