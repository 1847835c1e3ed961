"""Long waits judged by their time cost: one segment waits long far more often than the rest.

The wait detector (:mod:`recorrido.insights.waits`) judges a long wait by its effect on the
goal (or, after the goal, on coming back). A slow branch whose customers still sign costs
them days, yet leaves the goal rate as it is, so it never becomes a finding there. Here every
wait of that detector (stage to stage, step to step inside a stage, before and after the goal)
is judged by its **time**: per segment value read on the event where the wait is met (the
channel, each property key of :func:`recorrido.insights.concentration.event_values`), the
share of the segment's waits that are **long** (the wait detector's rule: over
``wait_factor`` × the pair's median and over ``min_wait``) against the share among every other
customer with that wait.

**Test.** Fisher's exact test (two-sided) on the 2 × 2 table long / not long × segment / rest:
long waits are rare (a few per cent), where the normal approximation of the z-test is poor
with few customers. The p-values join the run's Benjamini–Hochberg correction with every other
candidate; a candidate is tested only when both groups pass the same size rules (the
``min_customers`` floor and the least detectable size), and it is kept only when the segment
waits long at least 1.5 times as often as the rest and 5 points more often (the shared size
rule), so a segment that is one day slower among thousands is not a finding. Only waits whose
long share elsewhere is at most ``USUAL_LONG`` (10 %) are judged (a rare tail, not a habit), and
at least ``min_customers`` must have waited long in the segment or period.

**Over time** (:func:`_periods`): the same share of long waits, per wait and time bin, scanned
for the window where it rose (:func:`recorrido.insights.change_scan.scan`); that window's long waits
against the other times' are one more candidate, dated by the window. As for the changes, a
window that reaches the first or the last bin is no period: at an export's edges only some
customers are there (on the first day of a generated year, 13 customers whose every wait was
long made a finding on data with nothing planted).

For the ranking, "success" is *not* waiting long: ``effect`` = the segment's share of waits that
are not long − the rest's, and ``score`` = the segment's customers × |effect|, the long waits
beyond what the rest's share would give. The finding's customers are those who waited long in
the segment; it is dated from them like any other finding (the days on which the segment's
long waits cluster), and its sentence gives their time cost.
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.insights import change_scan, change_series
from recorrido.insights.candidates import Candidates, union
from recorrido.insights.concentration import event_values
from recorrido.insights.journeys import DAY_US
from recorrido.insights.stats import fisher_two_sided

PREFIX = "waitseg"
#: The "dimension" of a wait judged over time rather than in a segment.
PERIOD = "period"
#: The most long waits may be elsewhere (other segments, other times) for a wait to be judged
#: by its time cost: the wait detector's rule (4 × the median) marks a rare tail of a step
#: usually done in one go; where a quarter of the customers exceed it (coming back to the cart
#: in another session) a segment that does so more often differs in habits, not in a slow step.
USUAL_LONG = 0.1


def candidates(journeys, options, waits: Candidates) -> Candidates:
    """Per wait and segment value, the long waits in the segment against the rest (see the
    module text). ``waits`` are the wait detector's candidates (their pool and long rows)."""
    if waits.affected is None or waits.pool is None:
        return Candidates("wait", None, None)
    pool, long = waits.pool, waits.affected
    keys = tuple(options.segment_by) if options.segment_by is not None else None
    values, _ = event_values(journeys, pool.select("customer_id", "us").distinct(), keys)
    flag = long.select("cid", "customer_id", is_long=ibis.literal(1))
    rows_ = pool.join(values, ["customer_id", "us"]).select(
        pool.cid, pool.customer_id, pool.us, values.dimension, values.value
    )
    rows_ = rows_.left_join(flag, ["cid", "customer_id"]).select(
        "cid", "customer_id", "us", "dimension", "value", is_long=ibis.coalesce(flag.is_long, 0)
    )
    counts = (
        rows_.group_by(["cid", "dimension", "value"])
        .aggregate(n=rows_.count(), long=rows_.is_long.sum())
        .execute()
    )
    if counts.empty:
        return Candidates("wait", None, None)
    totals = counts.groupby(["cid", "dimension"])[["n", "long"]].sum()
    stats_rows, described = [], {}
    for r in counts.itertuples(index=False):
        total_n, total_long = totals.loc[(r.cid, r.dimension)]
        n_seg, long_seg = int(r.n), int(r.long)
        n_rest, long_rest = int(total_n) - n_seg, int(total_long) - long_seg
        # Only a segment that waits long more often than the rest can cost it time; only
        # where long waits are rare elsewhere (see USUAL_LONG); and the customers who waited
        # long are the finding's affected, held to the same floor as any other's.
        if not n_rest or not n_seg or long_seg * n_rest <= long_rest * n_seg:
            continue
        if long_rest > USUAL_LONG * n_rest or long_seg < options.min_customers:
            continue
        cid = f"{PREFIX}|{r.dimension}|{r.value}|{r.cid}"
        table = [[long_seg, n_seg - long_seg], [long_rest, n_rest - long_rest]]
        stats_rows.append(
            {
                "cid": cid,
                "n_aff": n_seg,
                "k_aff": n_seg - long_seg,
                "n_cmp": n_rest,
                "k_cmp": n_rest - long_rest,
                "customers": long_seg,
                "p": fisher_two_sided(table),
            }
        )
        described[cid] = (str(r.dimension), str(r.value), str(r.cid), long_seg / n_seg)
        described[cid] += (long_rest / n_rest,)
    timed_rows, spans = _periods(journeys, options, pool, long, stats_rows, described)
    columns = ["cid", "n_aff", "k_aff", "n_cmp", "k_cmp", "customers", "p"]
    stats = pd.DataFrame(stats_rows, columns=columns)
    seg_cid = ibis.literal(PREFIX + "|") + rows_.dimension + "|" + rows_.value + "|" + rows_.cid
    pool_rows = rows_.select(cid=seg_cid, customer_id=rows_.customer_id, us=rows_.us)
    mine = rows_.filter(rows_.is_long == 1)
    long_rows = mine.select(
        cid=ibis.literal(PREFIX + "|") + mine.dimension + "|" + mine.value + "|" + mine.cid,
        customer_id=mine.customer_id,
        us=mine.us,
    )

    def describe(cid: str) -> tuple[dict, dict]:
        dimension, value, wait_cid, share, share_rest = described[cid]
        where, params = waits.describe(wait_cid)
        where = dict(where, time_cost=True)
        if dimension == PERIOD:
            params = {
                **params,
                "message_key": "insight_wait_period",
                "share_long": share,
                "share_long_rest": share_rest,
            }
            return where, params
        where["segment"] = {"dimension": dimension, "value": value}
        if dimension == "channel":
            where["channel"] = value
        params = {
            **params,
            "message_key": "insight_wait_segment",
            "dimension": dimension,
            "value": value,
            "share_long": share,
            "share_long_rest": share_rest,
        }
        return where, params

    return Candidates(
        "wait",
        union([long_rows, timed_rows[0]]),
        union([pool_rows, timed_rows[1]]),
        describe,
        stats=stats,
        periods=spans,
    )


def _periods(journeys, options, pool, long, stats_rows: list, described: dict):
    """Per wait, the period in which its waits were long far more often than at other times:
    the scan of :mod:`recorrido.insights.changes` (bins as wide as the data allows, the best
    window's p-value Bonferroni-corrected over its windows) on the share of long waits among
    the waits met in each bin. Adds its candidates to ``stats_rows``/``described``; returns the
    (long, pool) rows of those periods and their days."""
    flag = long.select("cid", "customer_id", is_long=ibis.literal(1))
    t = pool.left_join(flag, ["cid", "customer_id"])
    t = t.select(
        "cid",
        "customer_id",
        "us",
        day=(t.us // DAY_US).cast("int64"),
        is_long=t.is_long.fill_null(0),
    )
    daily = t.group_by(["cid", "day"]).aggregate(n=t.count(), long=t.is_long.sum()).execute()
    spans: dict[str, tuple[int, int]] = {}
    parts_long, parts_pool = [], []
    if daily.empty:
        return (None, None), spans
    first_day = int(journeys.first_us // DAY_US)
    last_day = int(journeys.as_of_us // DAY_US)
    days = last_day - first_day + 1
    for wait_cid, g in daily.groupby("cid"):
        per_day = g.set_index("day")[["n", "long"]].reindex(
            range(first_day, last_day + 1), fill_value=0
        )
        width = change_series.bin_width([int(x) for x in per_day.n], days)
        bins = (per_day.index - first_day) // width
        binned = per_day.groupby(bins)[["n", "long"]].sum()
        k, n = binned.long.to_numpy(dtype=float), binned.n.to_numpy(dtype=float)
        if k.sum() == 0 or len(k) < change_series.MIN_BINS:
            continue
        c = change_scan.scan(k, n)
        if c is None or c.rate_in <= c.rate_out:
            continue  # only waits growing long cost time
        if c.first == 0 or c.last == len(k) - 1:
            continue  # at an export's edges, as for the changes: a window there is no period
        if c.rate_out > USUAL_LONG or c.k_in < options.min_customers:
            continue
        start = first_day + c.first * width
        end = min(last_day, first_day + (c.last + 1) * width - 1)
        cid = f"{PREFIX}|{PERIOD}|{start}|{end}|{wait_cid}"
        stats_rows.append(
            {
                "cid": cid,
                "n_aff": c.n_in,
                "k_aff": c.n_in - c.k_in,
                "n_cmp": c.n_out,
                "k_cmp": c.n_out - c.k_out,
                "customers": c.k_in,
                "p": c.p,
            }
        )
        described[cid] = (PERIOD, f"{start}|{end}", str(wait_cid), c.rate_in, c.rate_out)
        spans[cid] = (start, end)
        inside = t.filter(t.cid == str(wait_cid), t.us >= start * DAY_US, t.us < (end + 1) * DAY_US)
        hit = inside.filter(inside.is_long == 1)
        parts_pool.append(inside.select("customer_id", "us", cid=ibis.literal(cid)))
        parts_long.append(hit.select("customer_id", "us", cid=ibis.literal(cid)))
    return (union(parts_long), union(parts_pool)), spans
