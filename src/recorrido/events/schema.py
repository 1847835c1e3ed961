"""The canonical event table every later part reads, and the names of the workspace's tables."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

#: One row per interaction. ``timestamp`` is an instant in UTC; ``properties`` keeps every source
#: column that is not canonical, so it can serve later as a breakdown or in a match rule.
EVENT_SCHEMA = ibis.schema(
    {
        "event_id": dt.string,
        "customer_id": dt.string,
        "anonymous_id": dt.string,
        "timestamp": dt.Timestamp(timezone="UTC"),
        "event": dt.string,
        "channel": dt.string,
        "source": dt.string,
        "value": dt.float64,
        "properties": dt.JSON(),
    }
)

CANONICAL_FIELDS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)

#: Where an event stood in its source: ``ingest_id * 2**44 + file_index * 2**34 + row``, so
#: sorting by it gives ingest order, then the order of the files in that ingest, then the row in
#: the file. It breaks ties between events that share a timestamp (see ``docs/event-order.md``).
SOURCE_ORDER = "source_order"
FILE_SHIFT = 2**34
INGEST_SHIFT = 2**44

#: The stored table: the canonical events plus their place in the source.
RAW_EVENT_SCHEMA = ibis.schema({**dict(EVENT_SCHEMA.items()), SOURCE_ORDER: dt.int64})

#: Rows refused by ingest, with where they came from and why (never silently dropped).
QUARANTINE_SCHEMA = ibis.schema(
    {
        "ingest_id": dt.int64,
        "file": dt.string,
        "row": dt.int64,
        "column": dt.string,
        "reason_code": dt.string,
        "detail": dt.string,
        "record": dt.string,
    }
)

#: Which unified customer each identifier (``u:<user id>`` or ``a:<anonymous id>``) belongs to.
IDENTITY_SCHEMA = ibis.schema({"identifier": dt.string, "customer_id": dt.string})

#: One row per ingest run: what it read and what it kept.
INGEST_LOG_SCHEMA = ibis.schema(
    {
        "ingest_id": dt.int64,
        "finished_at": dt.Timestamp(timezone="UTC"),
        "files": dt.string,
        "rows_read": dt.int64,
        "ingested": dt.int64,
        "duplicates": dt.int64,
        "quarantined": dt.int64,
    }
)

RAW_EVENTS = "raw_events"
EVENTS_VIEW = "events"
QUARANTINE = "quarantine"
IDENTITY_MAP = "identity_map"
IDENTITY_LINKS = "identity_links"
CUSTOMERS = "customers"
INGEST_LOG = "ingest_log"
