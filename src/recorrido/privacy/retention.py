"""Retention: events older than ``retention_months`` are deleted, with an audit entry.

Run by ``recorrido customer retention -w DIR`` (a cron job's line), not silently at ingest: a
deletion should be an act someone scheduled, and ingest must stay a pure append. The customer
profiles are worked out again from the events that remain, so first/last seen and counts agree.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import ibis

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.identity import customer_profiles
from recorrido.privacy import ledger

if TYPE_CHECKING:
    from recorrido.workspace import Workspace


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """The instant ``months`` calendar months before ``now`` (the day clamped to the month)."""
    now = now or datetime.now(UTC)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day)


def apply_retention(
    ws: Workspace, months: int | None = None, actor: str | None = None
) -> dict[str, object]:
    """Delete events older than ``months`` (default: the setting); the count and the cutoff."""
    months = months or ws.settings.retention_months
    if not months:
        raise RecorridoError("privacy_retention_unset")
    if ws.read_only:
        raise RecorridoError("privacy_read_only")
    con = ws.con
    ledger.ensure_tables(con)
    oldest_kept = cutoff(months)
    raw = con.table(schema.RAW_EVENTS)
    old = raw.timestamp < ibis.literal(oldest_kept, type="timestamp('UTC')")
    removed = int(raw.filter(old).count().execute())
    if removed:
        kept = raw.filter(~old)
        identity = con.table(schema.IDENTITY_MAP)
        profiles = customer_profiles(kept.select(*schema.CANONICAL_FIELDS), identity)
        if con.name == "duckdb":
            raw_con = con.con
            raw_con.execute("BEGIN TRANSACTION")
            try:
                raw_con.execute(
                    f'DELETE FROM "{schema.RAW_EVENTS}" WHERE timestamp < ?', [oldest_kept]
                )
                raw_con.execute(
                    f'CREATE OR REPLACE TABLE "{schema.CUSTOMERS}" AS {con.compile(profiles)}'
                )
                raw_con.execute("COMMIT")
            except BaseException:
                raw_con.execute("ROLLBACK")
                raise
            raw_con.execute("CHECKPOINT")
        else:
            profiles = profiles.cache()
            aside = f"{schema.RAW_EVENTS}__retention_kept"
            con.create_table(aside, kept, overwrite=True)
            con.drop_table(schema.RAW_EVENTS)
            con.rename_table(aside, schema.RAW_EVENTS)
            con.create_table(schema.CUSTOMERS, profiles, overwrite=True)
    request_id = ledger.new_request_id()
    ledger.record(con, "retention", request_id, {schema.RAW_EVENTS: removed}, 0, actor)
    return {
        "request_id": request_id,
        "months": months,
        "cutoff": oldest_kept.isoformat(),
        "events_removed": removed,
    }
