"""One ingest: read files, check every record, quarantine the refused, drop duplicates, store the
rest and re-stitch identities, all or nothing.

Reading and checking run in the staging engine (embedded DuckDB, the workspace's own connection
when the workspace is a DuckDB file); de-duplication, storage and stitching run in the workspace's
connection, whatever its backend. On DuckDB the whole ingest is one transaction: a crash or a bad
file leaves the workspace as it was.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.handoff import (
    Transaction,
    copy_into,
    handoff_folder,
    session_timezone,
    upload,
)
from recorrido.events.identity import connected_customers, customer_profiles, identity_links
from recorrido.events.ingest_model import FileReport, IngestOptions, IngestReport
from recorrido.events.sources import RawSource
from recorrido.events.staging import quarantined_rows, stage_file

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

    with session_timezone(staging, options.timezone), handoff_folder() as handoff:
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
        quarantined = quarantined_rows(staging, stages, sources, reports, ingest_id, paths)

        valid = ibis.union(*[s.filter(s.__problem.isnull()) for s in stages])
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

        profiles = None
        if relinked or sum(r.ingested for r in reports):
            # Worked out before the transaction from the stored and the fresh rows: DuckDB scans
            # rows inserted inside an open transaction at a fraction of its usual speed.
            stored = store.table(schema.RAW_EVENTS).select(*_CANONICAL)
            profiles = customer_profiles(
                ibis.union(stored, fresh.select(*_CANONICAL)),
                identity if identity is not None else store.table(schema.IDENTITY_MAP),
            ).cache()

        with Transaction(staging if same_engine else None):
            copy_into(store, schema.QUARANTINE, quarantined, handoff if not same_engine else None)
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
