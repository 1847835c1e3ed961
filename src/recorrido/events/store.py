"""The workspace's tables in its connection, and the ``events`` view over them.

``raw_events`` holds events as the sources gave them; ``identity_map`` says which customer each
user or anonymous id belongs to when that is not the id itself; ``events`` joins the two so every
event carries its unified ``customer_id``. Each table is created through Ibis, so the same code
serves DuckDB and any other backend.
"""

from __future__ import annotations

import ibis

from recorrido.events import schema
from recorrido.events.identity import identifier_key

CUSTOMERS_SCHEMA = ibis.schema(
    {
        "customer_id": "string",
        "first_seen": "timestamp('UTC')",
        "last_seen": "timestamp('UTC')",
        "event_count": "int64",
        "channels": "array<string>",
        "anonymous_ids": "int64",
        "traits": "string",
    }
)
LINKS_SCHEMA = ibis.schema({"left": "string", "right": "string"})

TABLES = {
    schema.RAW_EVENTS: schema.RAW_EVENT_SCHEMA,
    schema.QUARANTINE: schema.QUARANTINE_SCHEMA,
    schema.IDENTITY_MAP: schema.IDENTITY_SCHEMA,
    schema.IDENTITY_LINKS: LINKS_SCHEMA,
    schema.CUSTOMERS: CUSTOMERS_SCHEMA,
    schema.INGEST_LOG: schema.INGEST_LOG_SCHEMA,
}


def create_tables(con: ibis.BaseBackend) -> None:
    """Create the workspace's empty tables (those that already exist are left alone)."""
    existing = set(con.list_tables())
    for name, table_schema in TABLES.items():
        if name not in existing:
            con.create_table(name, schema=table_schema)
    if _keeps_views(con):
        con.create_view(schema.EVENTS_VIEW, events_expression(con), overwrite=True)


def events_expression(con: ibis.BaseBackend) -> ibis.Table:
    """Canonical events with each event's unified ``customer_id``."""
    raw = con.table(schema.RAW_EVENTS)
    identity = con.table(schema.IDENTITY_MAP)
    joined = raw.left_join(
        identity, identifier_key(raw.customer_id, raw.anonymous_id) == identity.identifier
    )
    return joined.select(
        event_id=raw.event_id,
        customer_id=ibis.coalesce(identity.customer_id, raw.customer_id, raw.anonymous_id),
        anonymous_id=raw.anonymous_id,
        timestamp=raw.timestamp,
        event=raw.event,
        channel=raw.channel,
        source=raw.source,
        value=raw.value,
        properties=raw.properties,
        # Workspaces made before the column existed order ties by event id alone.
        source_order=(
            raw[schema.SOURCE_ORDER] if schema.SOURCE_ORDER in raw.columns else ibis.null("int64")
        ),
    )


def _keeps_views(con: ibis.BaseBackend) -> bool:
    """Whether views persist in this backend (so ``SELECT ... FROM events`` works in SQL)."""
    return con.name in ("duckdb", "postgres")
