"""One ingest: read files, check every record, quarantine the refused, drop duplicates, store the
rest and re-stitch identities, all or nothing.

Reading and checking run in the staging engine (embedded DuckDB, the workspace's own connection
when the workspace is a DuckDB file); de-duplication, storage and stitching run in the workspace's
connection, whatever its backend. On DuckDB the whole ingest is one transaction: a crash or a bad
file leaves the workspace as it was.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import ibis

from recorrido.errors import RecorridoError
from recorrido.events import ingest_steps, schema
from recorrido.events.customer_updates import updated_customers
from recorrido.events.handoff import (
    Transaction,
    clean_stale_scratch,
    copy_into,
    handoff_folder,
    replace_rows,
    session_timezone,
    upload,
)
from recorrido.events.identity import connected_customers, identity_links
from recorrido.events.ingest_model import FileReport, IngestOptions, IngestReport, Refusal
from recorrido.events.raw_source import RawSource
from recorrido.events.staging import quarantined_rows, stage_file
from recorrido.privacy.pseudonyms import pseudonymise_events, redact_quarantine
from recorrido.privacy.tombstones import drop_forgotten

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
    clean_stale_scratch()
    # The engine's own progress bar writes to stdout, which belongs to the command's output
    # (--json); the CLI draws its own bar on stderr from query_progress(), which still works.
    with contextlib.suppress(duckdb.Error):  # a connection with its configuration locked
        staging.con.execute("SET enable_progress_bar_print = false")
    log = store.table(schema.INGEST_LOG)
    last = log.ingest_id.max().execute()
    ingest_id = 1 if last is None or last != last else int(last) + 1  # NaN: empty on Spark

    with (
        ingest_steps.ingesting(store),
        session_timezone(staging, options.timezone),
        handoff_folder() as handoff,
    ):
        ingest_steps.enter(store, "read")
        # Everything is read and worked out first, into temporary tables that only this
        # connection sees; the transaction then only writes. (DuckDB also scans temporary tables
        # made inside a transaction at half the speed.)
        reports: list[FileReport] = []
        stages: list[ibis.Table] = []
        sources: list[RawSource] = []
        for index, path in enumerate(paths):
            report, stage, source = stage_file(staging, path, index, ingest_id, options, now)
            reports.append(report)
            stages.append(stage)
            sources.append(source)
        ingest_steps.enter(store, "check")
        quarantined = quarantined_rows(staging, stages, sources, reports, ingest_id, paths)

        valid = ibis.union(
            *[
                s.filter(s.__problem.isnull()).drop("__null_like_customer", "__null_like_anonymous")
                for s in stages
            ]
        )
        if options.pseudonym_key is not None:  # privacy: ids become keyed hashes, before all else
            valid = pseudonymise_events(valid, options.pseudonym_key).cache()
            quarantined = redact_quarantine(quarantined)
        valid = drop_forgotten(store, valid, reports)  # privacy: forgotten people stay out
        # Other engines get the checked rows as a table of their own (dropped at the end).
        batch = valid if same_engine else upload(store, valid, handoff / "batch")
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
        conflicts = None
        if sum(r.duplicates for r in reports):
            _warn_identical_rows(batch, reports)
            conflicts = _conflicting_rows(store, batch, fresh, ingest_id, paths).cache()
            conflicts_per_file = dict(
                conflicts.group_by("__file")
                .aggregate(n=conflicts.count())
                .execute()
                .itertuples(index=False)
            )
            for index, report in enumerate(reports):
                report.conflicts = int(conflicts_per_file.get(index, 0))
                report.duplicates -= report.conflicts
                report.quarantined += report.conflicts
        refusals = _refusals(quarantined, conflicts)

        ingest_steps.enter(store, "link")
        if same_engine:
            links = identity_links(fresh)
        else:  # e-mails are read from JSON with DuckDB's functions, so in the staging engine
            links = upload(store, identity_links(valid), handoff / "links")
        known = store.table(schema.IDENTITY_LINKS)
        new_links = links.anti_join(known, ["left", "right"]).cache()
        relinked = int(new_links.count().execute()) > 0
        identity = None
        if relinked:
            identity = connected_customers(ibis.union(known, new_links)).cache()

        ingest_steps.enter(store, "profile")
        profiles = None
        if relinked or sum(r.ingested for r in reports):
            # Worked out before the transaction from the stored and the fresh rows: DuckDB scans
            # rows inserted inside an open transaction at a fraction of its usual speed.
            # Only the customers this ingest touched are worked out again (customer_updates.py).
            profiles = updated_customers(store, fresh.select(*_CANONICAL), identity).cache()

        ingest_steps.enter(store, "store")
        with Transaction(staging if same_engine else None):
            copy_into(store, schema.QUARANTINE, quarantined, handoff if not same_engine else None)
            if conflicts is not None and sum(r.conflicts for r in reports):
                store.insert(schema.QUARANTINE, conflicts.drop("__file"))
            if sum(r.ingested for r in reports):
                store.insert(schema.RAW_EVENTS, _with_source_order(fresh, ingest_id))
            if identity is not None:
                store.insert(schema.IDENTITY_LINKS, new_links)
                replace_rows(store, schema.IDENTITY_MAP, identity)
            if profiles is not None:
                replace_rows(store, schema.CUSTOMERS, profiles)
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
    return IngestReport(
        ingest_id, reports, customers, time.perf_counter() - started, refusals=refusals
    )


#: The fields two rows with one event_id must share to be the same event (``source`` is left
#: out: the same rows re-read from a renamed file are still the same events).
_COMPARED = ("customer_id", "anonymous_id", "timestamp", "event", "channel", "value")


def _warn_identical_rows(batch: ibis.Table, reports: list) -> None:
    """A warning on each file with rows that had no event id and were the same as another row
    of this ingest (customer, time, event, channel, value, properties): they share one content
    hash, so they were counted once as duplicates. Exact repeats are usually a double export,
    but two purchases alike on one day (CDNOW's daily records) are not: the reader is told, and
    an id column keeps them apart."""
    hashed = batch.filter(batch.event_id.startswith("h:"))
    per_file = (
        hashed.group_by("__file")
        .aggregate(rows=hashed.count(), ids=hashed.event_id.nunique())
        .execute()
    )
    for file, rows, ids in per_file[["__file", "rows", "ids"]].itertuples(index=False, name=None):
        repeated = int(rows) - int(ids)
        if repeated > 0:
            reports[int(file)].warnings.append(
                {"code": "events_warning_identical_rows", "count": str(repeated)}
            )


def _conflicting_rows(
    store: ibis.BaseBackend,
    batch: ibis.Table,
    fresh: ibis.Table,
    ingest_id: int,
    paths: list[Path],
) -> ibis.Table:
    """The rows left out as duplicates whose content differs from the event already stored (or
    first seen in this batch) under their event_id, as quarantine rows plus ``__file``."""
    columns = ("event_id", *_COMPARED)
    repeated = batch.anti_join(fresh, ["__file", "__row"])
    reference = ibis.union(
        store.table(schema.RAW_EVENTS).select(
            *columns, properties=ibis._.properties.cast("string")
        ),
        fresh.select(*columns, properties=ibis._.properties.cast("string")),
    )
    reference = reference.rename({f"ref_{c}": c for c in (*columns, "properties")})
    joined = repeated.join(reference, repeated.event_id == reference.ref_event_id)
    differs = ibis.or_(
        *(~joined[c].identical_to(joined[f"ref_{c}"]) for c in _COMPARED),
        ~joined.properties.cast("string").identical_to(joined.ref_properties),
    )
    found = joined.filter(differs)
    file_name = found.__file.cases(
        *((index, str(path)) for index, path in enumerate(paths)), else_=ibis.null("string")
    )
    record = (
        ibis.struct({c: found[c] for c in (*columns, "properties")}).cast("json").cast("string")
        if store.name == "duckdb"
        else ibis.null("string")
    )
    return found.select(
        ingest_id=ibis.literal(ingest_id, type="int64"),
        file=file_name,
        row=found.__row.cast("int64"),
        column=ibis.literal("event_id"),
        reason_code=ibis.literal("conflicting_duplicate"),
        detail=found.event_id,
        record=record,
        __file=found.__file,
    )


_EXAMPLES = 20


def _refusals(quarantined: ibis.Table, conflicts: ibis.Table | None) -> list[Refusal]:
    """Why rows were quarantined, the most common reason first, each with a few examples."""
    counts = (
        quarantined.group_by(["reason_code", "column"])
        .aggregate(count=quarantined.count())
        .order_by([ibis.desc("count"), "reason_code"])
        .to_pyarrow()
        .to_pylist()
    )
    refusals = []
    for row in counts:
        code, column, count = row["reason_code"], row["column"], row["count"]
        rows = quarantined.filter(quarantined.reason_code == code)
        rows = rows.filter(rows.column == column) if column is not None else rows
        examples = _first_details(rows.filter(rows.detail.notnull()))
        refusals.append(Refusal(code, column, int(count), [str(e) for e in examples]))
    if conflicts is not None:
        found = int(conflicts.count().execute())
        if found:
            examples = _first_details(conflicts)
            refusals.append(
                Refusal("conflicting_duplicate", "event_id", found, [str(e) for e in examples])
            )
    return sorted(refusals, key=lambda r: -r.count)


def _first_details(rows: ibis.Table) -> list[object]:
    return rows.select("detail").limit(_EXAMPLES).to_pyarrow().column("detail").to_pylist()


def _with_source_order(rows: ibis.Table, ingest_id: int) -> ibis.Table:
    """The canonical columns plus each row's place in its source (see ``schema.SOURCE_ORDER``)."""
    place = (
        ibis.literal(ingest_id * schema.INGEST_SHIFT, "int64")
        + rows.__file.cast("int64") * schema.FILE_SHIFT
        + rows.__row.cast("int64")
    )
    return rows.select(*_CANONICAL, **{schema.SOURCE_ORDER: place})


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


__all__ = ["FileReport", "IngestOptions", "IngestReport", "run_ingest"]
