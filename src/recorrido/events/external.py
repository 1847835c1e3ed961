"""Events read where they already live: an existing table (or a Parquet folder, with DuckDB)
mapped onto the canonical event table as a view, without copying a row.

The workspace's ``raw_events`` becomes a view that renames and casts the source's columns; the
``events`` view, the identity map and every analysis then work on it unchanged. Nothing is
quarantined, since nothing is moved: :func:`would_quarantine` counts, per canonical column, the
rows an ingest would have refused, so the owner of the table can see what the analyses skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt

from recorrido.errors import RecorridoError
from recorrido.events import schema

#: ``schema.table`` or ``table``: names written into SQL as they are, so only plain ones.
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
_REQUIRED = ("event", "timestamp")


@dataclass(frozen=True)
class Quarantinable:
    """Rows an ingest would have refused, per canonical column (``total`` rows in the source)."""

    total: int
    per_column: dict[str, int]


def source_table(con: ibis.BaseBackend, where: str) -> ibis.Table:
    """The source as an Ibis table: ``SCHEMA.TABLE`` in the connection, or (DuckDB) a folder or
    file of Parquet read in place."""
    path = Path(where)
    if con.name == "duckdb" and (path.is_dir() or where.endswith(".parquet")):
        files = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        quoted = files.replace("'", "''")
        return con.sql(f"SELECT * FROM read_parquet('{quoted}', hive_partitioning = false)")
    if not _TABLE_NAME.fullmatch(where):
        raise RecorridoError("scale_events_table_name", name=where)
    return con.sql(f"SELECT * FROM {where}")


def canonical_view(source: ibis.Table, columns: dict[str, str], label: str) -> ibis.Table:
    """``source`` as the canonical stored events (``raw_events``' columns and types).

    ``columns`` maps canonical fields to the source's columns; ``event`` and ``timestamp`` are
    needed, and a customer or anonymous id. Without an ``event_id`` each row's id is made from
    its customer, time and event, so repeated reads give the same ids."""
    missing = [field for field in _REQUIRED if field not in columns]
    if missing or not ({"customer_id", "anonymous_id"} & set(columns)):
        needed = ", ".join(missing or ["customer_id"])
        raise RecorridoError("scale_events_columns_missing", fields=needed)
    unknown = [c for c in columns.values() if c not in source.columns]
    if unknown:
        raise RecorridoError(
            "scale_events_column_unknown", name=unknown[0], columns=", ".join(source.columns)
        )

    def text(field: str) -> ibis.Value:
        return source[columns[field]].cast("string") if field in columns else ibis.null("string")

    moment = source[columns["timestamp"]]
    moment = moment.cast(dt.Timestamp(timezone="UTC"))
    customer, anonymous, event = text("customer_id"), text("anonymous_id"), text("event")
    event_id = (
        text("event_id")
        if "event_id" in columns
        else ibis.coalesce(customer, anonymous, ibis.literal(""))
        + "|"
        + moment.cast("string")
        + "|"
        + ibis.coalesce(event, ibis.literal(""))
    )
    value = source[columns["value"]].cast("float64") if "value" in columns else ibis.null("float64")
    return source.select(
        event_id=event_id,
        customer_id=customer,
        anonymous_id=anonymous,
        timestamp=moment,
        event=event,
        channel=text("channel"),
        source=ibis.literal(label),
        value=value,
        # Other columns stay in the source; the view does not rebuild them as one document.
        properties=ibis.null("string"),
        **{schema.SOURCE_ORDER: ibis.null("int64")},
    )


def map_events_table(con: ibis.BaseBackend, where: str, columns: dict[str, str]) -> None:
    """Make the workspace's ``raw_events`` a view over ``where`` (see the module's docstring).
    Called on a new workspace, before its tables are made."""
    view = canonical_view(source_table(con, where), columns, label=where)
    if con.name == "duckdb":  # the view's JSON column keeps DuckDB's type, as ingest's does
        view = view.mutate(properties=view.properties.cast("json"))
    con.create_view(schema.RAW_EVENTS, view, overwrite=False)


def would_quarantine(con: ibis.BaseBackend) -> Quarantinable:
    """Per canonical column, the rows of the mapped source an ingest would have refused: no
    time, no event name, neither a customer nor an anonymous id, or an event id seen before."""
    raw = con.table(schema.RAW_EVENTS)
    counts = raw.aggregate(
        total=raw.count(),
        timestamp=raw.timestamp.isnull().sum(),
        event=(raw.event.isnull() | (raw.event.strip() == "")).sum(),
        customer_id=(raw.customer_id.isnull() & raw.anonymous_id.isnull()).sum(),
        distinct_ids=raw.event_id.nunique(),
    ).to_pyarrow()
    row = {name: int(counts[name][0].as_py() or 0) for name in counts.column_names}
    per_column = {
        "timestamp": row["timestamp"],
        "event": row["event"],
        "customer_id": row["customer_id"],
        "event_id": row["total"] - row["distinct_ids"],
    }
    return Quarantinable(total=row["total"], per_column=per_column)
