"""Changes over time on every rate: an event or touchpoint that suddenly many more (or fewer)
active customers do, for a period.

**Series** (:mod:`recorrido.insights.change_series`). For each event name done by at least
``MIN_SERIES_CUSTOMERS`` customers and each touchpoint that matches more than one event name,
per time bin: ``k`` = customers who did it in the bin, ``n`` = active customers (any event) in
the bin. The same per channel of the events, their ``platform`` property when there is one,
each persona of the map (and per value of each ``segment_by`` property read on the events:
:mod:`recorrido.insights.change_segments`); and per pair of events customers step back and
forth between (``loop``: customers with a return in the bin, see
:mod:`recorrido.insights.event_loops`): ``k`` and ``n`` count only events on that channel, so a
change is located where it happens, not by a customer's first event.

**Trouble.** An incident seldom moves one event alone: errors of several kinds and calls to
support rise together, each too rare to stand out in small data. When the data has two or more
trouble events (an error-like name, :mod:`error_words`, or a support contact: an assisted
touchpoint or a name that reads as one), customers doing any of them are one more overall
series (kind ``trouble``, :mod:`recorrido.insights.change_trouble`); a finding names the trouble
events that rose in its period.

**Reach the goal after it.** Per event, the customers whose *first* time doing it falls in a bin
(a cohort) and the share of them who reach the goal afterwards (kind ``goal_after``, overall):
an incident that makes applicants give up shows here even when no event of its own rises.
Cohorts too recent to have converted (after the time within which 90 % of the event's
converters had reached the goal, before the data's end) are left out
(:mod:`recorrido.insights.change_cohorts`).

**Bin width** adapts to the data (:func:`change_series.bin_width`): daily when the median day
has at least ``MIN_ACTIVE_PER_BIN`` active customers, else weekly (Monday-aligned) when the
median week has ``MIN_ACTIVE_PER_LONG_BIN``, else four-weekly.

**Edges.** Leading and trailing bins with fewer than half the median bin's active customers
(the ramp-up and ramp-down of an export) are left out, as are partial weeks at either end;
so are, in each series, leading and
trailing bins whose rate is under half the series' median (an event that comes days after the
first, like a delivery, ramps up). A drop at the very edge of the data is therefore not reported.

**Scan** (:mod:`recorrido.insights.change_scan`). In each series every window of consecutive
bins (up to half the bins) is compared with
the rest: z = (rate inside − rate outside) / standard error, the standard error inflated by the
series' own overdispersion φ (median squared Pearson residual over its median in binomial
series of the same sizes, at least 1), so day-to-day wobble on real data is not read as a change.
The best window's φ is measured on the bins outside it (a strong change would inflate it and
hide itself). The series' p-value is the best window's two-sided p-value times the number of
windows (Bonferroni inside the series).
Across all series tested, Benjamini–Hochberg keeps a false discovery rate of ``alpha``.

**Size.** A change is kept only when the rate inside is at least ``MIN_RATIO`` times the rate
outside (or at most 1 / ``MIN_RATIO``) and at least ``MIN_EXCESS`` customer-bins beyond normal.
It must also be a **period**, not a trend: its rate departs by ``MIN_RATIO`` from the rate
before it and from the rate after it, each side at least ``MIN_SIDE_BINS`` (2) bins long; a
window that reaches the first or last bin is not a period (the customer mix shifts at an
export's edges: only newcomers at the start, only the long-lived at the end). A segment's change
is dropped when the overall series of the same metric changed in an overlapping window (the
overall finding stands; its segment is located afterwards).

**Like with like.** A change that the mix of customers explains (how long they have been
around, the weekday, channel, platform, ``segment_by``: each value at its usual rate) is
dropped, overall and inside a segment; so is a rate that moved while the number of customers
doing it did not (its denominator moved) (:mod:`recorrido.insights.change_segments`).

**Effect on the goal.** Each change also gives ``where.goal_rate``: the share of the same
active customers who reached the goal, before, during and after its window.

The candidate's counts (``stats``) are customer-bins: inside the window (affected) against
outside (comparable); "success" is doing the metric, so ``effect`` is the change of its rate.
"""

from __future__ import annotations

import logging

import ibis
import numpy as np
import pandas as pd
from scipy.special import ndtri

from recorrido.insights import (
    change_cohorts,
    change_segments,
    change_series,
    change_trouble,
    event_loops,
    time_bins,
)
from recorrido.insights.candidates import Candidates, rows, union
from recorrido.insights.change_scan import MIN_EXCESS, MIN_RATIO, Change, large_enough, scan
from recorrido.insights.journeys import DAY_US
from recorrido.insights.stats import benjamini_hochberg

log = logging.getLogger(__name__)

MIN_SIDE_BINS = 2


def candidates(journeys, options) -> Candidates:
    days = max(1, int((journeys.as_of_us - journeys.first_us) // DAY_US) + 1)
    e = journeys.events
    daily = e.group_by((e.us // DAY_US).name("d")).aggregate(n=e.customer_id.nunique()).execute()
    width = change_series.bin_width([int(x) for x in daily.n], days)
    # Overall, channel, platform, personas, --segment-by; tenure (explains the mix only).
    dimensions = change_segments.dimensions(journeys, options, width)
    events, touchpoints = change_series.metrics(journeys)
    loops = event_loops.returns(journeys, options)
    if "properties" not in loops.columns and any(
        name not in ("", "channel", "persona", *change_segments.MIX_ONLY) for name, _ in dimensions
    ):  # a property cut (platform) of the loop series reads the returns' own events
        own = journeys.events.select("customer_id", "seq", "properties")
        loops = loops.join(own, ["customer_id", "seq"])
    # An incident seldom moves one event alone: errors of several kinds and calls to support
    # rise together, each too few to stand out at a few hundred customers. Their union is one
    # more series ("trouble"), when the data has two or more such events.
    troubled = change_trouble.events(journeys)
    trouble = change_trouble.column(journeys) if len(troubled) > 1 else None
    binned, active, done = change_series.tables(
        journeys, width, dimensions, loops, trouble, touchpoints
    )
    first_bin, last_bin = change_series.settled_bins(active)
    if width > 1:  # a partial week at either end is not comparable with full ones
        first_day, last_day = journeys.first_us // DAY_US, journeys.as_of_us // DAY_US
        first_bin = max(first_bin, time_bins.first_whole_bin(first_day, width))
        last_bin = min(last_bin, time_bins.last_whole_bin(last_day, width))
    active_of = {
        (str(dim), str(val)): g.set_index("bin")["n"]
        for (dim, val), g in active.groupby(["dim", "val"])
    }
    cohort_done, cohort_n, cohort_last = change_cohorts.series(journeys, width, events)
    done = pd.concat([done, cohort_done], ignore_index=True)
    active_of.update(cohort_n)
    # A series' own last bin: the last settled one, or for "reach the goal after it" the last
    # cohort old enough to have converted.
    ends: dict[tuple, int] = {}
    tested: list[tuple[tuple, Change]] = []
    # Only the metrics that can be a series (and the goal, for each change's effect): a log
    # whose events are item ids has tens of thousands of names, and splitting every one of them
    # into a series of its own took seconds for nothing (yoochoose: 19,000 groups, 12 s).
    series = done[
        done.mkind.isin(["goal", "loop", "trouble"])
        | (done.mkind.isin(["event", change_cohorts.GOAL_AFTER]) & done.metric.isin(events))
        | ((done.mkind == "touchpoint") & done.metric.isin(touchpoints))
    ]
    groups = list(series.groupby(["mkind", "metric", "dim", "val"]))
    # Each series' doers per bin, looked up by key (the rates before and after a window).
    k_of: dict[tuple, pd.Series] = {}
    for (mkind, metric, dim, val), g in groups:
        k_of[(str(mkind), str(metric), str(dim), str(val))] = g.set_index("bin")["k"]
    for (mkind, metric, dim, val), g in groups:
        metric = str(metric)
        if mkind == "goal" or dim in change_segments.MIX_ONLY:
            continue
        if (mkind in ("event", change_cohorts.GOAL_AFTER) and metric not in events) or (
            mkind == "touchpoint" and metric not in touchpoints
        ):
            continue
        if mkind == "loop" and g.k.sum() < change_series.MIN_SERIES_CUSTOMERS:
            continue
        key = (str(mkind), metric, str(dim), str(val))
        n_series = change_series.denominator(active_of, key)
        if n_series is None:
            continue
        end = last_bin
        if mkind == change_cohorts.GOAL_AFTER:
            if metric not in cohort_last:
                continue
            end = min(last_bin, cohort_last[metric])
            if end - first_bin + 1 < change_series.MIN_BINS:
                continue
        ends[key] = end
        index = np.arange(first_bin, end + 1)
        n = n_series.reindex(index, fill_value=0).to_numpy(dtype=float)
        k = g.set_index("bin")["k"].reindex(index, fill_value=0).to_numpy(dtype=float)
        if k.sum() < change_series.MIN_SERIES_CUSTOMERS:
            continue
        lo, hi = change_series.ramp(k, n)
        change = scan(k[lo : hi + 1], n[lo : hi + 1])
        if change is not None:
            change = Change(
                change.first + lo,
                change.last + lo,
                change.k_in,
                change.n_in,
                change.k_out,
                change.n_out,
                change.p,
                change.windows,
            )
            tested.append((key, change))
    keep = benjamini_hochberg([c.p for _, c in tested], options.alpha)
    found = []
    for (key, c), ok in zip(tested, keep, strict=True):
        why = (
            "not significant"
            if not ok
            else "too small"
            if not large_enough(c)
            else "not a period"
            if not _a_period(
                c,
                change_series.sides(active_of, k_of, key, first_bin, ends[key], c),
                ends[key] - first_bin + 1,
            )
            else None
        )
        if why is None:
            found.append((key, c))
        elif log.isEnabledFor(logging.DEBUG) and c.p < 0.5:
            log.debug("change %s bins %d-%d p=%.2g %s", key, c.first, c.last, c.p, why)
    # An overall change the segment mix predicts (more new customers, more of one channel) is
    # no incident: compared like with like, it goes (change_segments); a segment's own series
    # then reports a change inside it.
    mix_dims = [name for name, fn in dimensions if name and name != "persona"]

    def mix_explains(key, c: Change) -> bool:
        first, last = first_bin + c.first, first_bin + c.last
        settled = range(first_bin, last_bin + 1)
        up = c.rate_in > c.rate_out
        if not change_segments.counts_move(key, first, last, settled, done, up=up):
            return True  # the rate moved with its denominator, not with the doers
        if key[0] == change_cohorts.GOAL_AFTER:
            return False  # a cohort's own share: no mix of active customers to standardise
        # compared like with like, a change must still clear the bar its series' scan set
        # (the z of a Bonferroni-corrected p of alpha over the windows scanned): the scan picked
        # the most extreme window of thousands, and a standardised excess of z = 3 is what
        # chance gives the most extreme of them
        min_z = float(-ndtri(options.alpha / 2 / max(1, c.windows)))
        size = {"min_ratio": MIN_RATIO, "min_excess": MIN_EXCESS, "min_z": min_z}
        if key[2] == "":
            return change_segments.explained_by_mix(
                key, first, last, active, done, dims=mix_dims, **size
            )
        return change_segments.explained_in_segment(binned, dimensions, key, first, last, **size)

    # The mix-only cuts' doers, for the metrics of the overall changes left (change_series).
    overall_metrics = sorted(
        {(key[0], key[1]) for key, _ in found if key[2] == "" and key[0] in ("event", "touchpoint")}
    )
    if overall_metrics:
        mix = change_series.mix_done(binned, dimensions, overall_metrics)
        if not mix.empty:
            done = pd.concat([done, mix], ignore_index=True)
    explained = {key for key, c in found if mix_explains(key, c)}
    for key in explained:
        log.debug("change %s explained by the customer mix", key)
    found = [(key, c) for key, c in found if key not in explained]
    overall = {(key[0], key[1]): c for key, c in found if key[2] == ""}
    found = [
        (key, c)
        for key, c in found
        if key[2] == ""
        or not (
            (key[0], key[1]) in overall
            and overall[(key[0], key[1])].first <= c.last
            and c.first <= overall[(key[0], key[1])].last
        )
    ]

    stats_rows, details, spans = [], {}, {}
    affected_parts, pool_parts = [], []
    for (mkind, metric, dim, val), c in found:
        cid = f"change|{mkind}|{metric}|{dim}|{val}|{c.first}|{c.last}"
        rout = c.rate_out
        stats_rows.append(
            {
                "cid": cid,
                "n_aff": c.n_in,
                "k_aff": c.k_in,
                "n_cmp": c.n_out,
                "k_cmp": c.k_out,
                "customers": round(abs(c.k_in - c.n_in * rout)),
            }
        )
        first_day = max(
            time_bins.day_of_bin(first_bin + c.first, width), journeys.first_us // DAY_US
        )
        last_day = min(
            time_bins.day_of_bin(first_bin + c.last, width, end=True), journeys.as_of_us // DAY_US
        )
        spans[cid] = (int(first_day), int(last_day))
        end = ends[(mkind, metric, dim, val)]
        before, after = change_series.sides(
            active_of, k_of, (mkind, metric, dim, val), first_bin, end, c
        )
        goal_key = ("goal", "goal", dim, val)
        goal = {
            "before": change_series.rate_between(
                active_of, k_of, goal_key, first_bin - 1, first_bin + c.first
            ),
            "during": change_series.rate_between(
                active_of, k_of, goal_key, first_bin + c.first - 1, first_bin + c.last + 1
            ),
            "after": change_series.rate_between(
                active_of, k_of, goal_key, first_bin + c.last, last_bin + 1
            ),
        }
        details[cid] = {
            "goal": goal,
            "metric_kind": mkind,
            "metric": metric,
            "dimension": dim,
            "value": val,
            "bin_days": width,
            "before": before,
            "during": c.rate_in,
            "after": after,
            "p": c.p,
        }
        if mkind == "trouble":
            details[cid]["events"] = change_trouble.contributors(
                active_of, done, troubled, dim, val, first_bin + c.first, first_bin + c.last
            )
        mine = binned.filter(binned.bin >= first_bin + c.first, binned.bin <= first_bin + c.last)
        if dim:
            mine = mine.filter(change_segments.value_of(dimensions, dim, val)(mine) == val)
        if mkind == "loop":
            doers = loops.filter(
                loops.cid == "loop|event|" + metric,
                loops.us >= (first_day * DAY_US),
                loops.us < ((last_day + 1) * DAY_US),
            )
            if dim:
                doers = doers.filter(change_segments.value_of(dimensions, dim, val)(doers) == val)
        elif mkind == "trouble":
            doers = mine.filter(trouble(mine))
        elif mkind == change_cohorts.GOAL_AFTER:
            # the cohort: customers whose first time doing the event fell in the period
            firsts = journeys.events.filter(journeys.events.event == metric)
            firsts = firsts.group_by("customer_id").aggregate(first_us=firsts.us.min())
            firsts = firsts.filter(
                firsts.first_us >= first_day * DAY_US, firsts.first_us < (last_day + 1) * DAY_US
            )
            doers = mine.filter(mine.event == metric).semi_join(firsts, "customer_id")
        else:
            column = mine.event if mkind == "event" else mine.touchpoint
            doers = mine.filter(column == metric)
        affected_parts.append(rows(doers, ibis.literal(cid), doers.us))
        pool_parts.append(rows(mine, ibis.literal(cid), mine.us))

    journey = journeys.journey

    def describe(cid: str) -> tuple[dict, dict]:
        d = details[cid]
        where = {
            d["metric_kind"]: d["metric"],
            "before": d["before"],
            "during": d["during"],
            "after": d["after"],
            "bin_days": d["bin_days"],
            # the effect on reaching the goal: the share of active customers who reached it
            "goal_rate": d["goal"],
        }
        if d["dimension"]:
            where["segment"] = {"dimension": d["dimension"], "value": d["value"]}
        label = d["metric"]
        if d["metric_kind"] == "touchpoint":
            label = journey.touchpoint(d["metric"]).name
        if d["metric_kind"] == "loop":
            label = " ↔ ".join(d["metric"].split("|", 1))
        if d["metric_kind"] == "trouble":
            # the trouble events that rose in the period, the largest rise first
            where["events"] = d["events"]
            label = " / ".join(d["events"]) or "trouble"
        if d["dimension"]:
            label = f"{label} ({d['dimension']} = {d['value']})"
        params = {"metric": label, "rate": d["during"], "baseline": d["before"]}
        if d["metric_kind"] == change_cohorts.GOAL_AFTER:
            params["message_key"] = "insight_change_goal_after"
            where["events"] = [d["metric"]]
        if d["before"] is None:
            params["baseline"] = d["after"]
        return where, params

    stats = pd.DataFrame(
        stats_rows, columns=["cid", "n_aff", "k_aff", "n_cmp", "k_cmp", "customers"]
    )
    return Candidates(
        "change",
        union(affected_parts),
        union(pool_parts),
        describe,
        stats=stats,
        periods=spans,
        harm_only=False,
        tests=0,
    )


def _a_period(c: Change, sides, bins: int) -> bool:
    """A change is a period, not a trend: its rate departs by ``MIN_RATIO`` (the same way) from
    the rate before it and from the rate after it. A window that reaches the first or the last
    bin has no before (or no after): at the edges of an export the mix of customers shifts (at
    the start only newcomers are active, at the end only the long-lived), which moves every
    rate, so such a window is not taken for a change."""
    for side in sides:
        if side is None:
            return False
    # ... and those sides are at least MIN_SIDE_BINS bins long: one bin at the start of a
    # growing or shrinking base is no "before" to compare with (a trend is no period)
    if c.first < MIN_SIDE_BINS or c.last > bins - 1 - MIN_SIDE_BINS:
        return False
    for side in sides:
        if c.rate_in >= c.rate_out and c.rate_in < MIN_RATIO * side:
            return False
        if c.rate_in < c.rate_out and c.rate_in * MIN_RATIO > side:
            return False
    return True
