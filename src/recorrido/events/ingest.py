"""One ingest: read files, check every record, quarantine the refused, drop duplicates, store the
rest and re-stitch identities, all or nothing.

Reading and checking run in the staging engine (embedded DuckDB, the workspace's own connection
when the workspace is a DuckDB file); de-duplication, storage and stitching run in the workspace's
connection, whatever its backend. On DuckDB the whole ingest is one transaction: a crash or a bad
file leaves the workspace as it was.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.fields import source_fields
from recorrido.events.identity import connected_customers, customer_profiles, identity_links
from recorrido.events.mapping import ColumnMapping
from recorrido.events.sources import RawSource, detect_format, open_source, read_rejects
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

    with _session_timezone(staging, options.timezone), _handoff_folder() as handoff:
        # Everything is read and worked out first, into temporary tables that only this
        # connection sees; the transaction then only writes. (DuckDB also scans temporary tables
        # made inside a transaction at half the speed.)
        reports: list[FileReport] = []
        stages: list[ibis.Table] = []
        sources: list[RawSource] = []
        for index, path in enumerate(paths):
            report, stage, source = _stage_file(staging, path, index, ingest_id, options, now)
            reports.append(report)
            stages.append(stage)
            sources.append(source)
        quarantined = _quarantine(staging, stages, sources, reports, ingest_id, paths)

        valid = ibis.union(*[s.filter(s.__problem.isnull()) for s in stages])
        # Other engines get the checked rows as a table of their own (dropped at the end).
        batch = valid if same_engine else _upload(store, valid, handoff / "batch")
        fresh = _fresh_events(store, batch)
        per_file = dict(
            fresh.group_by("__file").aggregate(n=fresh.count()).execute().itertuples(index=False)
        )
        valid_per_file = dict(
            batch.group_by("__file").aggregate(n=batch.count()).execute().itertuples(index=False)
        )
        for index, report in enumerate(reports):
            report.ingested = int(per_file.get(index, 0))
            report.duplicates = int(valid_per_file.get(index, 0)) - report.ingested

        if same_engine:
            links = identity_links(fresh)
        else:  # e-mails are read from JSON with DuckDB's functions, so in the staging engine
            links = _upload(store, identity_links(valid), handoff / "links")
        known = store.table(schema.IDENTITY_LINKS)
        new_links = links.anti_join(known, ["left", "right"]).cache()
        relinked = int(new_links.count().execute()) > 0
        identity = None
        if relinked:
            identity = connected_customers(ibis.union(known, new_links)).cache()

        profiles = None
        if relinked or sum(r.ingested for r in reports):
            # Worked out before the transaction from the stored and the fresh rows: DuckDB scans
            # rows inserted inside an open transaction at a fraction of its usual speed.
            stored = store.table(schema.RAW_EVENTS).select(*_CANONICAL)
            profiles = customer_profiles(
                ibis.union(stored, fresh.select(*_CANONICAL)),
                identity if identity is not None else store.table(schema.IDENTITY_MAP),
            ).cache()

        with _Transaction(staging if same_engine else None):
            _copy_into(store, schema.QUARANTINE, quarantined, handoff if not same_engine else None)
            if sum(r.ingested for r in reports):
                store.insert(schema.RAW_EVENTS, _with_source_order(fresh, ingest_id))
            if identity is not None:
                store.insert(schema.IDENTITY_LINKS, new_links)
                store.create_table(schema.IDENTITY_MAP, identity, overwrite=True)
            if profiles is not None:
                store.create_table(schema.CUSTOMERS, profiles, overwrite=True)
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


def _with_source_order(rows: ibis.Table, ingest_id: int) -> ibis.Table:
    """The canonical columns plus each row's place in its source (see ``schema.SOURCE_ORDER``)."""
    place = (
        ibis.literal(ingest_id * schema.INGEST_SHIFT, "int64")
        + rows.__file.cast("int64") * schema.FILE_SHIFT
        + rows.__row.cast("int64")
    )
    return rows.select(*_CANONICAL, **{schema.SOURCE_ORDER: place})


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


def _fresh_events(store: ibis.BaseBackend, batch: ibis.Table) -> ibis.Table:
    """The rows of ``batch`` whose ``event_id`` is new: first in file order, not stored yet."""
    # Sorting millions of ids to find repeats is dear and repeats within one batch are rare, so
    # the sort runs only when the batch has fewer distinct id hashes than rows (distinct hashes
    # prove distinct ids; a hash collision merely sends the batch down the exact path).
    hashes = batch.event_id.hash()
    counts = batch.aggregate(rows=batch.count(), distinct=hashes.nunique()).execute()
    first = batch
    if int(counts["rows"][0]) != int(counts["distinct"][0]):
        ranked = batch.mutate(
            __rank=ibis.row_number().over(group_by="event_id", order_by=["__file", "__row"])
        )
        first = ranked.filter(ranked.__rank == 0).drop("__rank")
    raw = store.table(schema.RAW_EVENTS)
    if int(raw.limit(1).count().execute()):
        first = first.anti_join(raw, "event_id")
    # Usually nothing was taken out, and the staged rows serve as they are, without a copy.
    return first if first is batch else first.cache()


def _stage_file(
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


def _quarantine(
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


def _copy_into(store: ibis.BaseBackend, table: str, expr: ibis.Table, handoff: Path | None) -> None:
    """Insert ``expr`` (staging engine) into ``table`` (store), through Parquet when they differ."""
    if handoff is None:
        store.insert(table, expr)
    elif expr.count().execute():  # Spark cannot read the schema of an empty Parquet file
        store.insert(table, _upload(store, expr, handoff / table))


def _upload(store: ibis.BaseBackend, expr: ibis.Table, path: Path) -> ibis.Table:
    """Hand staged rows to another engine through a Parquet file, which keeps NULLs and types
    exactly (a trip through pandas would turn missing text into the string 'NaN')."""
    # A fresh name per hand-off: Spark keeps a cache of files it has listed.
    target = path.with_name(f"{path.name}-{len(list(path.parent.iterdir()))}.parquet")
    expr.to_parquet(target)
    name = re.sub(r"\W", "_", f"__handoff_{path.parent.name}_{target.stem}")
    return store.read_parquet(target, table_name=name)


@contextlib.contextmanager
def _handoff_folder() -> Iterator[Path]:
    """A folder for the Parquet files handed to another engine, removed when the ingest ends."""
    folder = Path(tempfile.mkdtemp(prefix="recorrido-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
