"""Paths: the directly-follows graph, step-by-step flows for a Sankey, and the top variants.

All three read the step table (:mod:`recorrido.analytics.steps`): each customer's stream at a
level in the one order of :mod:`recorrido.analytics.sequence`, so their counts reconcile with
each other and with the step matrix and the strict funnel. They return small pandas results; the
per-customer work stays in the engine.
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.intervals import wilson_or_none
from recorrido.analytics.sequence import engine_of, median_by, stream
from recorrido.analytics.steps import END, Steps, step_table, steps_of
from recorrido.analytics.windows import parse_duration
from recorrido.errors import RecorridoError

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
    Consecutive means adjacent in the customer's one order (timestamp, source order,
    event_id), as in process-mining tools' DFG. With ``collapse_repeats`` a run of the same
    value counts once: self-loops vanish and the time is measured from the run's last event to
    the next value's first event.
    Sorted by count (descending), then source and target.
    """
    t = step_table(
        source, level, collapse_repeats=collapse_repeats, start=start, end=end, check=False
    ).table
    pairs = t.filter(t.next_item != END)
    pairs = pairs.select(
        "customer_id", source=pairs.item, target=pairs.next_item, gap=pairs.next_us - pairs.until_us
    )
    counts = pairs.group_by(["source", "target"]).aggregate(
        count=pairs.count(),
        customers=pairs.customer_id.nunique(),
        total_us=pairs.gap.sum(),
    )
    medians = median_by(pairs, ["source", "target"], "gap", "median_us")
    joined = counts.join(medians, ["source", "target"])
    frame = joined.execute()
    if frame.empty:
        stream(source, level, start=start, end=end)  # raises if there were no events at all
    frame["mean_seconds"] = frame["total_us"].astype("float64") / frame["count"] / 1e6
    frame["median_seconds"] = frame["median_us"] / 1e6
    frame = frame.sort_values(["count", "source", "target"], ascending=[False, True, True])
    columns = ["source", "target", "count", "customers", "mean_seconds", "median_seconds"]
    return frame[columns].reset_index(drop=True).astype({"count": "int64", "customers": "int64"})


def flows(
    source,
    level: str = "event",
    *,
    start_at: str | None = None,
    end_at: str | None = None,
    steps: int = 5,
    collapse_repeats: bool = True,
    window: str | None = None,
    include_end: bool = False,
    start=None,
    end=None,
    steps_table: Steps | None = None,
) -> pd.DataFrame:
    """Step-by-step flows for a Sankey: which value follows which, step by step.

    - With ``start_at``: each customer's first occurrence of it is step 1, and the next
      ``steps - 1`` values follow (PostHog's "paths after").
    - With ``end_at``: each customer's first occurrence of it is step ``steps``, and the values
      before it are steps ``steps - 1``, ``steps - 2``, ... (paths leading to it).
    - With neither: each customer's first event is step 1.

    With ``collapse_repeats`` (default) a run of the same value is one step. With ``window``
    (a duration such as ``'7d'``) only steps at most that long after (before, with ``end_at``)
    the anchor count. Columns: ``step`` (the step of ``source``), ``source``, ``target``,
    ``customers``, ``share`` (of the customers at ``source`` at that step) and its 95 % Wilson
    interval ``share_ci``. With ``include_end`` the customers whose journey stops at a node (no
    later step, or none within ``window``) get a band to :data:`~recorrido.analytics.steps.END`,
    so every node's bands add up to the customers at it (the step matrix); without it they
    simply have no band. ``steps_table``: the step table of the same source, level, dates and
    ``collapse_repeats``, already made (and perhaps kept) by the caller, so that several
    questions about one sequence share it (:func:`shared_steps`).
    """
    if start_at is not None and end_at is not None:
        raise RecorridoError("analytics_flow_both_ends")
    s = stream(source, level, start=start, end=end)
    s.check_names([n for n in (start_at, end_at) if n is not None])
    made = _given_or_made(steps_table, level, collapse_repeats)
    made = made if made is not None else steps_of(s, collapse_repeats=collapse_repeats)
    if window is None and start_at is None and end_at is None and "next_item" in made.table.columns:
        # The view is each customer's first ``steps`` steps: the next step inside it is the step
        # table's own next step (or the end), so no window over the view, and no anchor time
        # (only a ``window`` reads it), is needed.
        t = made.table.filter(made.table.step <= steps)
        inside = t.mutate(
            rel_step=t.step,
            target=ibis.ifelse(t.step < steps, t.next_item, ibis.null("string")),
        )
    else:
        t = anchored_steps(made, start_at, end_at, steps)
        if window is not None:
            width = parse_duration(window)
            late = (t.us - t.anchor_us) > width if end_at is None else (t.anchor_us - t.us) > width
            t = t.filter(~late)
        # The band's target is the next step inside the view; where the journey stops within
        # the view (its last event, or the next step falls outside the window) the target is
        # the end. The last column of the view has no bands: the journey goes on beyond it.
        inside = t.mutate(
            target=t.item.lead().over(ibis.window(group_by=t.customer_id, order_by=t.step))
        )
        inside = inside.mutate(
            target=ibis.ifelse(
                inside.target.notnull(),
                inside.target,
                ibis.ifelse(inside.rel_step < steps, END, ibis.null("string")),
            )
        )
    links = inside.filter(inside.target.notnull())
    if not include_end:
        links = links.filter(links.target != END)
    result = (
        links.group_by(["rel_step", "item", "target"])
        .aggregate(customers=links.count())
        .rename(source="item", step="rel_step")
        .execute()
    )
    nodes = inside.group_by(["rel_step", "item"]).aggregate(at_node=inside.count()).execute()
    nodes = nodes.rename(columns={"rel_step": "step", "item": "source"})
    return flow_frame(result, nodes)


def flow_frame(result: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """:func:`flows`' answer from its two small counts: the bands (``step, source, target,
    customers``) and the customers at each node (``step, source, at_node``). Shared with the
    report's Sankey made from journey variants (``report/journey_variants.py``), so the two
    give the very same frame."""
    result = result.merge(nodes, on=["step", "source"], how="left")
    result["share"] = result["customers"] / result["at_node"]
    result["share_ci"] = [
        wilson_or_none(k, n) for k, n in zip(result["customers"], result["at_node"], strict=True)
    ]
    result = result.sort_values(
        ["step", "customers", "source", "target"], ascending=[True, False, True, True]
    )
    return (
        result[["step", "source", "target", "customers", "share", "share_ci"]]
        .reset_index(drop=True)
        .astype({"step": "int64", "customers": "int64"})
    )


def anchored_steps(
    steps: Steps, start_at: str | None, end_at: str | None, count: int
) -> ibis.Table:
    """The step table cut to ``count`` steps from (or up to) each customer's first ``start_at``
    (``end_at``), with ``rel_step`` (1-based in the view) and ``anchor_us``; customers without
    the anchor are left out. With neither, the view starts at each customer's first step."""
    t = steps.table
    anchor_name = start_at or end_at
    if anchor_name is None:
        first_us = t.us.min().over(ibis.window(group_by=t.customer_id))
        t = t.mutate(anchor=ibis.literal(1, "int64"), anchor_us=first_us)
    else:
        hit = t.filter(t.item == anchor_name)
        anchors = hit.group_by("customer_id").aggregate(
            anchor=hit.step.min(), anchor_us=hit.us.argmin(hit.step)
        )
        t = t.join(anchors, "customer_id")
    if end_at is not None:
        t = t.filter(t.step <= t.anchor, t.step > t.anchor - count)
        return t.mutate(rel_step=t.step - t.anchor + count)
    t = t.filter(t.step >= t.anchor, t.step < t.anchor + count)
    return t.mutate(rel_step=t.step - t.anchor + 1)


def variants(
    source,
    level: str = "event",
    *,
    top: int = 20,
    collapse_repeats: bool = True,
    max_steps: int | None = None,
    start=None,
    end=None,
    steps_table: Steps | None = None,
) -> pd.DataFrame:
    """The most common whole journeys: each customer's sequence of values, counted.

    A customer has one variant: the sequence of values in the one order, with runs
    of the same value as one step when ``collapse_repeats`` (default), cut to the first
    ``max_steps`` steps when given. Columns: ``variant`` (steps joined by `` → ``), ``steps``
    (the list), ``length``, ``customers``, ``share`` (of all customers in the stream). The top
    ``top`` by customers, ties by variant text. ``steps_table``: as in :func:`flows`.
    """
    made = _given_or_made(steps_table, level, collapse_repeats)
    if made is None:
        made = step_table(
            source, level, collapse_repeats=collapse_repeats, start=start, end=end, check=False
        )
    t = made.table
    if max_steps is not None:
        t = t.filter(t.step <= max_steps)
    if engine_of(t) == "postgres":  # it cannot unnest a list of pairs to sort it
        per_customer = t.group_by("customer_id").aggregate(items=t.item.collect(order_by=t.step))
        per_customer = per_customer.select(
            "customer_id",
            path=per_customer["items"].join(_SEP),
            length=per_customer["items"].length(),
        )
    else:
        t = t.mutate(pair=ibis.struct({"seq": t.step, "item": t.item}))
        per_customer = t.group_by("customer_id").aggregate(pairs=t.pair.collect())
        per_customer = per_customer.select(
            "customer_id",
            path=per_customer.pairs.sort().map(lambda p: p.item).join(_SEP),
            length=per_customer.pairs.length(),
        )
    counted = per_customer.group_by(["path", "length"]).aggregate(customers=per_customer.count())
    # Everyone's count rides along each top row (a sum over all variants before the cut): the
    # events are read once, not once more for the total.
    counted = counted.mutate(total=counted.customers.sum().over(ibis.window()))
    frame = counted.order_by([ibis.desc("customers"), "path"]).limit(top).execute()
    if frame.empty:
        stream(source, level, start=start, end=end)  # raises why there is nothing to count
    return variant_frame(frame)


def variant_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`variants`' answer from the top rows of the counted variants (``path`` joined by
    :data:`_SEP`, ``length``, ``customers``, ``total``: everyone's count), shared with the
    report's top journeys (``report/journey_variants.py``)."""
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    frame["steps"] = frame["path"].str.split(_SEP)
    frame["variant"] = frame["steps"].map(" → ".join)
    frame["share"] = frame["customers"] / total
    frame["share_ci"] = [wilson_or_none(k, total) for k in frame["customers"]]
    return frame[["variant", "steps", "length", "customers", "share", "share_ci"]].astype(
        {"length": "int64", "customers": "int64"}
    )


def shared_steps(
    source, level: str, *, collapse_repeats: bool = True, start=None, end=None, keep=None
) -> Steps:
    """The step table that :func:`flows` and :func:`variants` would each make for ``source`` at
    ``level`` (same dates and ``collapse_repeats``), made once to pass to both as
    ``steps_table``. ``keep`` (e.g. :meth:`recorrido.measured.scratch.Scratch.keep`) computes it
    once in the engine; only the columns those questions read are kept (``next_item`` spares
    the Sankey a window over its first steps)."""
    made = step_table(
        source, level, collapse_repeats=collapse_repeats, start=start, end=end, check=False
    )
    if keep is None:
        return made
    kept = keep(
        made.table,
        ("customer_id", "step", "item", "event_id", "us", "until_us", "next_item"),
    )
    return Steps(kept, made.stream, collapse_repeats)


def _given_or_made(given: Steps | None, level: str, collapse_repeats: bool) -> Steps | None:
    """``given`` after checking it answers the same sequence question (a caller's mistake
    otherwise, not a user's)."""
    if given is not None and (given.level != level or given.collapse_repeats != collapse_repeats):
        raise ValueError("steps_table was made for another level or repeat handling")
    return given
