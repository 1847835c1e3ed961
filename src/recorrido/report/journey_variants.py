"""The report's Sankey of the first steps and its most common journeys, both read off one small
table of journey variants instead of a step table of every customer's every step.

A customer's journey at touchpoint level, repeats collapsed, is one *variant*; customers with the
same journey are one row: ``(path, length, customers)`` (``path``: the steps joined by
``analytics.paths._SEP``). At 1 M generated events 66,184 customers make 23,913 variants. The
Sankey of the first k steps only adds up, per variant, its first k steps and the step after each
(or the end); the top journeys are the variants with the most customers. So one pass over the
tagged events (each customer's touchpoints sorted by the one order in a list, runs of one
touchpoint kept once, then grouped by the joined text) answers both, where the step table took
two window passes over every event, a kept copy of every step, and a list per customer again for
the top journeys (``docs/tagged-relation.md``, "Fourth round").

The answers are :func:`recorrido.analytics.flows` (no anchor, no window, ``include_end``) and
:func:`recorrido.analytics.variants`, the very frames: the same one order (timestamp, source
order, ``event_id``; ``docs/event-order.md``), the same collapsing of repeats, and the frames are
shaped by the same ``flow_frame`` and ``variant_frame``. Only on DuckDB (lists sorted and
filtered in the engine); elsewhere, and when there is nothing to count (where the general
functions raise the error that says why), the report asks the general functions.
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.paths import _SEP, flow_frame, variant_frame
from recorrido.analytics.sequence import _NO_PLACE, order_keys, stream
from recorrido.analytics.steps import END


class JourneyVariants:
    """The variants of the report's tagged events in its dates, counted once on first use and
    kept in the report's scratch; ``None`` from :meth:`get` where the general functions must
    answer (not DuckDB, no scratch, or no touchpoint event in the dates)."""

    def __init__(self, tagged, options: dict, scratch) -> None:
        self._tagged = tagged
        self._span = {"start": options.get("start"), "end": options.get("end")}
        self._scratch = scratch
        self._made = False
        self._table = None

    def get(self):
        if not self._made:
            self._made = True
            self._table = _variant_table(self._tagged, self._scratch, **self._span)
        return self._table


def _variant_table(tagged, scratch, *, start, end):
    from recorrido.analytics.sequence import engine_of

    if scratch is None or engine_of(tagged) != "duckdb" or "touchpoint" not in tagged.columns:
        return None
    t = stream(tagged, "touchpoint", start=start, end=end, check=False).table
    keys = order_keys(t)
    # The one order as three sortable fields (a table without source order sorts its ties by
    # event_id alone, as ``order_keys`` does: the same constant place for every event).
    place = keys[1] if len(keys) == 3 else ibis.literal(_NO_PLACE, "int64")
    events = t.select("customer_id", "item", "us", place=place, event_id=keys[-1])
    backend = events._find_backend()
    inner = ibis.to_sql(events, dialect="duckdb")
    sep = _literal(_SEP)
    buckets = _buckets(backend, int(events.count().execute()))
    # Each customer's list of steps lives in memory until the customer's group is done, and
    # DuckDB cannot spill a list aggregate: at 100M events the lists of all customers at once
    # outgrew the default memory limit. So customers are taken in buckets by a hash of their id
    # (each customer in one bucket), each bucket's variants counted apart and then summed.
    parts = [_bucket_sql(inner, sep, bucket, buckets) for bucket in range(buckets)]
    if buckets == 1:
        kept = scratch.keep(backend.sql(parts[0]))
    else:
        counted = scratch.keep(backend.sql(parts[0]))
        name = counted.get_name()
        for part in parts[1:]:
            backend.raw_sql(f"INSERT INTO {name} {part}")  # our own SQL, names ours
        kept = scratch.keep(
            backend.sql(
                f"""SELECT path, length, CAST(sum(customers) AS BIGINT) AS customers
                    FROM {name} GROUP BY ALL"""
            )
        )
    if not int(kept.count().execute()):
        return None
    return kept


#: Bytes of memory one event's place in a customer's list of steps may take, with DuckDB's
#: overheads (the struct of four fields, the lists, the hash table, the sort): a bucket holds at
#: most the memory limit's worth.
BYTES_PER_EVENT = 400


def _buckets(backend, events: int) -> int:
    """How many buckets of customers keep each one's lists within the memory limit."""
    limit = backend.raw_sql(
        "SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'"
    ).fetchone()
    limit_bytes = _bytes(limit[0] if limit else "")
    if not limit_bytes:  # no limit shown: one bucket, as before buckets
        return 1
    per_bucket = max(limit_bytes // BYTES_PER_EVENT, 1_000_000)
    return max(1, -(-events // per_bucket))


def _bytes(text: str) -> int:
    """DuckDB's shown memory amount (``5.8 GiB``, ``512.0 MiB``) in bytes; 0 when unreadable."""
    units = {
        "B": 1,
        "KB": 10**3,
        "MB": 10**6,
        "GB": 10**9,
        "TB": 10**12,
        "KIB": 2**10,
        "MIB": 2**20,
        "GIB": 2**30,
        "TIB": 2**40,
    }
    number, _, unit = str(text).strip().partition(" ")
    try:
        return int(float(number) * units[unit.strip().upper()])
    except (ValueError, KeyError):
        return 0


def _bucket_sql(inner: str, sep: str, bucket: int, buckets: int) -> str:
    """The variants of the customers in ``bucket`` (all of them when ``buckets`` is 1)."""
    where = "" if buckets == 1 else f"WHERE hash(customer_id) % {buckets} = {bucket}"
    # The struct's fields sort in the one order's key order; the item rides along last (the
    # first three never tie: event_id is unique). The filter keeps a step when it differs from
    # the one before it: a run of one touchpoint is one step, as with ``collapse_repeats``.
    return f"""
        WITH per_customer AS (
            SELECT list_transform(
                       list_sort(list({{'u': us, 'p': place, 'e': event_id, 'i': item}})),
                       x -> x.i) AS items
            FROM ({inner}) {where} GROUP BY customer_id),
        collapsed AS (
            SELECT list_filter(items, (x, i) -> i = 1 OR x <> items[i - 1]) AS items
            FROM per_customer)
        SELECT array_to_string(items, {sep}) AS path, CAST(len(items) AS BIGINT) AS length,
               CAST(count(*) AS BIGINT) AS customers
        FROM collapsed GROUP BY ALL"""


def first_steps(variants, steps: int) -> pd.DataFrame:
    """``analytics.flows(tagged, "touchpoint", steps=steps, include_end=True)`` from the
    variants: each variant's first ``steps`` steps, weighted by its customers; a step before the
    last column has a band to the next step, or to the end where the journey stops."""
    backend = variants._find_backend()
    name = variants.get_name()
    sep = _literal(_SEP)
    k = int(steps)
    sql = f"""
        WITH v AS (SELECT string_split(path, {sep}) AS items, customers FROM {name}),
        s AS (SELECT items, customers, unnest(range(1, least(len(items), {k}) + 1)) AS step
              FROM v)
        SELECT CAST(step AS BIGINT) AS step, items[step] AS source,
               CASE WHEN step < {k} THEN coalesce(items[step + 1], {_literal(END)}) END
                   AS target,
               CAST(sum(customers) AS BIGINT) AS customers
        FROM s GROUP BY ALL"""
    counted = backend.sql(sql).execute()
    nodes = (
        counted.groupby(["step", "source"], as_index=False)["customers"]
        .sum()
        .rename(columns={"customers": "at_node"})
    )
    links = counted[counted["target"].notna()].reset_index(drop=True)
    return flow_frame(links[["step", "source", "target", "customers"]], nodes)


def top_journeys(variants, top: int) -> pd.DataFrame:
    """``analytics.variants(tagged, "touchpoint", top=top)`` from the variants: the most
    customers first, ties by the path's text (the engine's order, as there)."""
    v = variants
    counted = v.mutate(total=v.customers.sum().over(ibis.window()))
    frame = counted.order_by([ibis.desc("customers"), "path"]).limit(int(top)).execute()
    return variant_frame(frame)


def _literal(text: str) -> str:
    """A SQL string literal (``chr`` for the control character that joins the steps)."""
    if text == _SEP:
        return f"chr({ord(_SEP)})"
    return "'" + str(text).replace("'", "''") + "'"
