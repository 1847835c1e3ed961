"""Paths: the directly-follows graph, step-by-step flows for a Sankey, and the top variants.

All three read a customer's stream at a level in (timestamp, event_id) order (see
:mod:`recorrido.analytics.sequence`) and return small pandas results; the per-customer work stays
in the engine.
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.sequence import customer_order, median_by, stream

#: Joins a variant's steps inside the engine; a control character no event name uses.
_SEP = "\x1f"


def transitions(
    source,
    level: str = "event",
    *,
    start=None,
    end=None,
    collapse_repeats: bool = False,
) -> pd.DataFrame:
    """The directly-follows graph: one row per pair ``source → target`` of consecutive events.

    Columns: ``source, target, count`` (times the pair occurred), ``customers`` (distinct
    customers with it), ``mean_seconds`` and ``median_seconds`` (time from the source event to the
    target event; the median is exact, the mean of the two middle values for even counts).
    Consecutive means adjacent in the customer's (timestamp, event_id) order, as in process-mining
    tools' DFG. With ``collapse_repeats`` a run of the same value counts once: self-loops vanish
    and the time is measured from the run's last event to the next value's first event.
    Sorted by count (descending), then source and target.
    """
    t = stream(source, level, start=start, end=end).table
    w = customer_order(t)
    t = t.mutate(target=t.item.lead().over(w), target_us=t.us.lead().over(w))
    pairs = t.filter(t.target.notnull())
    if collapse_repeats:
        pairs = pairs.filter(pairs.target != pairs.item)
    pairs = pairs.select(
        "customer_id", source=pairs.item, target=pairs.target, gap=pairs.target_us - pairs.us
    )
    counts = pairs.group_by(["source", "target"]).aggregate(
        count=pairs.count(),
        customers=pairs.customer_id.nunique(),
        total_us=pairs.gap.sum(),
    )
    medians = median_by(pairs, ["source", "target"], "gap", "median_us")
    joined = counts.join(medians, ["source", "target"])
    frame = joined.execute()
    frame["mean_seconds"] = frame["total_us"].astype("float64") / frame["count"] / 1e6
    frame["median_seconds"] = frame["median_us"] / 1e6
    frame = frame.sort_values(["count", "source", "target"], ascending=[False, True, True])
    columns = ["source", "target", "count", "customers", "mean_seconds", "median_seconds"]
    return frame[columns].reset_index(drop=True).astype({"count": "int64", "customers": "int64"})


def _collapsed(t: ibis.Table) -> ibis.Table:
    """Only the first event of each run of the same value."""
    # Materialised as a column first: Spark refuses window functions inside a filter.
    t = t.mutate(_previous=t.item.lag().over(customer_order(t)))
    return t.filter(t._previous.isnull() | (t._previous != t.item)).drop("_previous")


def flows(
    source,
    level: str = "event",
    *,
    start_at: str | None = None,
    end_at: str | None = None,
    steps: int = 5,
    collapse_repeats: bool = True,
    start=None,
    end=None,
) -> pd.DataFrame:
    """Step-by-step flows for a Sankey: which value follows which, step by step.

    - With ``start_at``: each customer's first occurrence of it is step 1, and the next
      ``steps - 1`` values follow (PostHog's "paths after").
    - With ``end_at``: each customer's first occurrence of it is step ``steps``, and the values
      before it are steps ``steps - 1``, ``steps - 2``, ... (paths leading to it).
    - With neither: each customer's first event is step 1.

    With ``collapse_repeats`` (default) a run of the same value is one step. Columns: ``step``
    (the step of ``source``), ``source``, ``target``, ``customers``; customers whose stream ends
    earlier simply have no link at that step.
    """
    if start_at is not None and end_at is not None:
        from recorrido.errors import RecorridoError

        raise RecorridoError("analytics_flow_both_ends")
    s = stream(source, level, start=start, end=end)
    s.check_names([n for n in (start_at, end_at) if n is not None])
    t = s.table
    if collapse_repeats:
        t = _collapsed(t)
    t = t.mutate(seq=ibis.row_number().over(customer_order(t)))
    anchor_name = start_at or end_at
    if anchor_name is None:
        t = t.mutate(anchor=ibis.literal(0, "int64"))
    else:
        hit = t.filter(t.item == anchor_name)
        anchors = hit.group_by("customer_id").aggregate(anchor=hit.seq.min())
        t = t.join(anchors, "customer_id")
    if end_at is not None:
        t = t.filter(t.seq <= t.anchor, t.seq > t.anchor - steps)
        t = t.mutate(step=t.seq - t.anchor + steps)
    else:
        t = t.filter(t.seq >= t.anchor, t.seq < t.anchor + steps)
        t = t.mutate(step=t.seq - t.anchor + 1)
    t = t.mutate(target=t.item.lead().over(ibis.window(group_by=t.customer_id, order_by=t.seq)))
    links = t.filter(t.target.notnull())
    result = (
        links.group_by(["step", "item", "target"])
        .aggregate(customers=links.count())
        .rename(source="item")
        .execute()
    )
    result = result.sort_values(
        ["step", "customers", "source", "target"], ascending=[True, False, True, True]
    )
    return (
        result[["step", "source", "target", "customers"]]
        .reset_index(drop=True)
        .astype({"step": "int64", "customers": "int64"})
    )


def variants(
    source,
    level: str = "event",
    *,
    top: int = 20,
    collapse_repeats: bool = True,
    max_steps: int | None = None,
    start=None,
    end=None,
) -> pd.DataFrame:
    """The most common whole journeys: each customer's sequence of values, counted.

    A customer has one variant: the sequence of values in (timestamp, event_id) order, with runs
    of the same value as one step when ``collapse_repeats`` (default), cut to the first
    ``max_steps`` steps when given. Columns: ``variant`` (steps joined by `` → ``), ``steps``
    (the list), ``length``, ``customers``, ``share`` (of all customers in the stream). The top
    ``top`` by customers, ties by variant text.
    """
    t = stream(source, level, start=start, end=end).table
    if collapse_repeats:
        t = _collapsed(t)
    t = t.mutate(seq=ibis.row_number().over(customer_order(t)))
    if max_steps is not None:
        t = t.filter(t.seq < max_steps)
    t = t.mutate(pair=ibis.struct({"seq": t.seq, "item": t.item}))
    per_customer = t.group_by("customer_id").aggregate(pairs=t.pair.collect())
    per_customer = per_customer.select(
        "customer_id",
        path=per_customer.pairs.sort().map(lambda p: p.item).join(_SEP),
        length=per_customer.pairs.length(),
    )
    total = int(per_customer.count().execute())
    counted = per_customer.group_by(["path", "length"]).aggregate(customers=per_customer.count())
    frame = counted.order_by([ibis.desc("customers"), "path"]).limit(top).execute()
    frame["steps"] = frame["path"].str.split(_SEP)
    frame["variant"] = frame["steps"].map(" → ".join)
    frame["share"] = frame["customers"] / total
    return frame[["variant", "steps", "length", "customers", "share"]].astype(
        {"length": "int64", "customers": "int64"}
    )
