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
            con.create_table(name, schema=_stored_schema(con, table_schema))
    # On PostgreSQL the view is made once: replacing it while another process ingests would
    # make the two collide in the catalogue.
    if _keeps_views(con) and not (con.name == "postgres" and schema.EVENTS_VIEW in existing):
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


def _stored_schema(con: ibis.BaseBackend, table_schema: ibis.Schema) -> ibis.Schema:
    """On PostgreSQL JSON columns are kept as text: Ibis writes a JSON value as ``VARCHAR`` in
    every ``INSERT ... SELECT``, which a ``json`` column refuses; the text is the same document,
    and every reader casts ``properties`` before looking inside."""
    if con.name != "postgres":
        return table_schema
    return ibis.schema(
        {name: "string" if kind.is_json() else kind for name, kind in table_schema.items()}
    )


def _keeps_views(con: ibis.BaseBackend) -> bool:
    """Whether views persist in this backend (so ``SELECT ... FROM events`` works in SQL)."""
    return con.name in ("duckdb", "postgres")
