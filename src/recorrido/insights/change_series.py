"""The rate series the changes scan reads (:mod:`recorrido.insights.changes`): how wide a bin
is, per bin the active customers and the customers doing each event, touchpoint, loop, trouble
and the goal, per segment; which bins are settled (not an export's ramp), and a series' rate
between two bins. See :mod:`recorrido.insights.changes` for what each series means."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from recorrido.insights import change_cohorts, change_segments, time_bins
from recorrido.insights.change_scan import Change

MIN_ACTIVE_PER_BIN = 50
MIN_ACTIVE_PER_LONG_BIN = 10
MIN_SERIES_CUSTOMERS = 10
MAX_EVENTS = 60
MIN_BINS = 6
WIDTHS = (1, 7, 28)


def bin_width(active_per_day: list[int], days: int) -> int:
    """Days per bin: daily when the median day has ``MIN_ACTIVE_PER_BIN`` active customers,
    else the shortest of 7, 28 whose median bin has ``MIN_ACTIVE_PER_LONG_BIN`` (approximated
    from daily counts); always leaving ``MIN_BINS`` bins. Days need many customers (a day's
    rate wobbles with the weekday and the hour); a week needs few, because the scan judges
    windows of bins, summed, and a period shorter than its bin cannot be told apart from the
    weeks around it (a three-week incident in four-week bins is diluted into noise)."""
    median_day = float(np.median(active_per_day)) if active_per_day else 0.0
    for width in WIDTHS:
        if days // width < MIN_BINS:
            break
        need = MIN_ACTIVE_PER_BIN if width == 1 else MIN_ACTIVE_PER_LONG_BIN
        if median_day * width >= need:
            return width
    fitting = [w for w in WIDTHS if days // w >= MIN_BINS]
    return fitting[-1] if fitting else 1


def tables(
    journeys,
    width: int,
    dimensions: list[tuple[str, object]],
    loops: ibis.Table,
    trouble=None,
    touchpoints: set[str] | None = None,
):
    """Small frames: per (dimension, value, bin) the active customers, and per (metric kind,
    metric, dimension, value, bin) the customers who did it. With ``trouble`` (a row test), also
    the customers with any trouble event (metric kind and name ``trouble``). With
    ``touchpoints`` (those worth a series, :func:`metrics`), only they are counted: a touchpoint
    matching one event name repeats that event's series, and counting the distinct customers
    of every tagged event once more per cut cost about a third of these counts.

    The mix-only cuts (tenure, weekday) count their active customers here, and their doers
    only for the changes they may explain (:func:`mix_done`)."""
    e = journeys.events
    e = e.mutate(bin=time_bins.bin_of_us(e.us, width))
    if any(name in change_segments.MIX_ONLY for name, _ in dimensions):
        e = change_segments.with_first_bin(e, journeys, width)
    active_parts, done_parts = [], []
    for name, value in dimensions:
        t = _cut(e, name, value)
        active_parts.append(t.group_by(["dim", "val", "bin"]).aggregate(n=t.customer_id.nunique()))
        if name in change_segments.MIX_ONLY:
            continue
        for kind, column in (("event", t.event), ("touchpoint", t.touchpoint)):
            u = t.mutate(metric=column.cast("string"), mkind=ibis.literal(kind))
            u = u.filter(u.metric.notnull())
            if kind == "touchpoint" and touchpoints is not None:
                if not touchpoints:
                    continue
                u = u.filter(u.metric.isin(sorted(touchpoints)))
            done_parts.append(_doers(u))
        if trouble is not None and name == "":  # overall only; its segment is located after
            u = t.filter(trouble(t)).mutate(
                mkind=ibis.literal("trouble"), metric=ibis.literal("trouble")
            )
            done_parts.append(
                u.group_by(["mkind", "metric", "dim", "val", "bin"]).aggregate(
                    k=u.customer_id.nunique()
                )
            )
        # Reaching the goal, per bin: not scanned (the goal's event is), it gives each change
        # its effect on the goal (the goal rate before, during and after its window).
        g = t.filter(t.is_goal).mutate(mkind=ibis.literal("goal"), metric=ibis.literal("goal"))
        done_parts.append(
            g.group_by(["mkind", "metric", "dim", "val", "bin"]).aggregate(
                k=g.customer_id.nunique()
            )
        )
    # Loops over time: customers stepping back and forth between two events in the bin.
    lp = loops.mutate(bin=time_bins.bin_of_us(loops.us, width))
    for name, fn in dimensions:
        if name in change_segments.MIX_ONLY:
            continue  # (tenure explains the overall rates; loops are not standardised)
        value = ibis.literal("") if fn is None else fn(lp)
        u = lp.mutate(
            mkind=ibis.literal("loop"),
            metric=lp.cid.substr(len("loop|event|")),
            dim=ibis.literal(name),
            val=value.cast("string"),
        )
        u = u.filter(u.val.notnull())
        done_parts.append(
            u.group_by(["mkind", "metric", "dim", "val", "bin"]).aggregate(
                k=u.customer_id.nunique()
            )
        )
    active = ibis.union(*active_parts).execute()
    done = ibis.union(*done_parts).execute()
    return e, active, done


def mix_done(binned: ibis.Table, dimensions, metrics: list[tuple[str, str]]) -> pd.DataFrame:
    """The rows :func:`tables` leaves out: per mix-only cut (tenure, weekday), value and bin,
    the customers doing each metric of ``metrics`` (``(kind, name)``, kind ``event`` or
    ``touchpoint``), read on ``binned`` (its events with ``bin``). Only an overall change
    found is compared like with like (:func:`change_segments.explained_by_mix`): these counts,
    one more distinct count over every event per cut, are made for its few metrics alone."""
    parts = []
    for name, value in dimensions:
        if name not in change_segments.MIX_ONLY:
            continue
        t = _cut(binned, name, value)
        for kind, metric in metrics:
            column = t.event if kind == "event" else t.touchpoint
            u = t.mutate(metric=column.cast("string"), mkind=ibis.literal(kind))
            parts.append(_doers(u.filter(u.metric == metric)))
    if not parts:
        return pd.DataFrame(columns=["mkind", "metric", "dim", "val", "bin", "k"])
    return ibis.union(*parts).execute()


def _cut(events: ibis.Table, name: str, value) -> ibis.Table:
    """``events`` with ``dim`` (the cut's name) and ``val`` (its value; rows without one go)."""
    seg = ibis.literal("") if value is None else value(events)
    t = events.mutate(dim=ibis.literal(name), val=seg.cast("string"))
    return t.filter(t.val.notnull())


def _doers(rows: ibis.Table) -> ibis.Table:
    """Per (metric kind, metric, dimension, value, bin) of ``rows``, the customers."""
    return rows.group_by(["mkind", "metric", "dim", "val", "bin"]).aggregate(
        k=rows.customer_id.nunique()
    )


def denominator(active_of, key):
    """The customers a series' rate is out of: its segment's active customers, or for "reach
    the goal after it" the customers who first did the event in each bin."""
    mkind, metric, dim, val = key
    if mkind == change_cohorts.GOAL_AFTER:
        return active_of.get((change_cohorts.GOAL_AFTER, metric))
    return active_of.get((dim, val))


def metrics(journeys) -> tuple[set[str], set[str]]:
    """The events worth a series (done by enough customers, the commonest first) and the
    touchpoints matching several event names (one matching a single name repeats its series)."""
    e = journeys.events
    per = e.group_by("event").aggregate(c=e.customer_id.nunique()).execute()
    per = per[per.c >= MIN_SERIES_CUSTOMERS].sort_values(["c", "event"], ascending=[False, True])
    events = {str(x) for x in per.event.head(MAX_EVENTS)}
    t = journeys.tagged
    names = t.group_by("touchpoint").aggregate(names=t.event.nunique()).execute()
    touchpoints = {str(r.touchpoint) for r in names.itertuples() if int(r.names) > 1}
    return events, touchpoints


def sides(active_of, k_of, key, first_bin, last_bin, c: Change):
    """The metric's rate before and after the window (None where the window reaches the edge)."""
    before = rate_between(active_of, k_of, key, first_bin - 1, first_bin + c.first)
    after = rate_between(active_of, k_of, key, first_bin + c.last, last_bin + 1)
    return before, after


def ramp(k: np.ndarray, n: np.ndarray) -> tuple[int, int]:
    """The bins of one series after its own ramp-up and before its ramp-down: leading and
    trailing bins whose rate is under half the series' median rate are left out (an event that
    comes days after the first one, such as a delivery, is rare in the first bins of any
    export, and that is no change)."""
    rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    if np.all(np.isnan(rate)):
        return 0, len(k) - 1
    floor = 0.5 * float(np.nanmedian(rate))
    low = ~(rate >= floor)
    lo, hi = 0, len(k) - 1
    while lo < hi and low[lo]:
        lo += 1
    while hi > lo and low[hi]:
        hi -= 1
    return lo, hi


def settled_bins(active: pd.DataFrame) -> tuple[int, int]:
    """The bins between the ramp-up and the ramp-down of the data: leading and trailing bins
    with fewer than half the median bin's active customers are left out (at the edges of an
    export only new, or only finishing, customers are active, and every rate shifts)."""
    overall = active[active.dim == ""].set_index("bin")["n"].sort_index()
    if overall.empty:
        return 0, -1
    full = overall.reindex(range(int(overall.index.min()), int(overall.index.max()) + 1))
    full = full.fillna(0)
    floor = 0.5 * float(full.median())
    settled = [int(b) for b, n in full.items() if n >= floor]
    return settled[0], settled[-1]


_NONE = pd.Series([], dtype="int64")


def rate_between(active_of, k_of, key, after_bin, before_bin) -> float | None:
    """The metric's rate over the bins strictly between ``after_bin`` and ``before_bin``
    (``k_of``: each series' doers per bin, by key)."""
    n_series = denominator(active_of, key)
    k_series = k_of.get(key, _NONE)
    n_series = n_series[(n_series.index > after_bin) & (n_series.index < before_bin)]
    k_series = k_series[(k_series.index > after_bin) & (k_series.index < before_bin)]
    n = float(n_series.sum())
    return float(k_series.sum()) / n if n else None
