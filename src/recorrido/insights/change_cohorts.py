"""The **reach the goal after it** series of the changes scan: a cohort's conversion.

Per event, the customers whose *first* time doing it falls in a bin, and the share of them who
reach the goal afterwards (metric kind ``goal_after``, overall only): an incident that makes
applicants give up shows here even when no event of its own rises. Cohorts too recent to have
converted (after the time within which ``LAG_QUANTILE`` of the event's converters had reached
the goal, before the data's end) are left out, so the last weeks are no "drop".
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from recorrido.insights import time_bins
from recorrido.insights.journeys import DAY_US

#: The metric kind of these series.
GOAL_AFTER = "goal_after"
#: Cohorts too recent to have converted are left out: those after the time within which this
#: share of the event's converters had reached the goal.
LAG_QUANTILE = 0.9


def series(journeys, width: int, events: set[str]):
    """``(done, denominators, last_bins)`` of the "reach the goal after it" series: per event
    of ``events`` (goal events aside) and per bin of each customer's first time doing it, ``n``
    customers and ``k`` of them reaching the goal afterwards; ``last_bins`` the event's last
    bin old enough to have converted (see :data:`LAG_QUANTILE`)."""
    e = journeys.events
    if not events:
        return pd.DataFrame(columns=["mkind", "metric", "dim", "val", "bin", "k"]), {}, {}
    firsts = (
        e.filter(~e.is_goal.fill_null(False) & e.event.isin(sorted(events)))
        .group_by(["customer_id", "event"])
        .aggregate(first_us=e.us.min())
    )
    g = e.filter(e.is_goal.fill_null(False))
    goals = g.group_by("customer_id").aggregate(g_first=g.us.min(), g_last=g.us.max())
    j = firsts.left_join(goals, "customer_id")
    after = j.g_last.notnull() & (j.g_last > j.first_us)
    lag = ibis.cases((j.g_first > j.first_us, j.g_first - j.first_us), else_=j.g_last - j.first_us)
    j = j.mutate(
        bin=time_bins.bin_of_us(j.first_us, width),
        after=after.fill_null(False).cast("int64"),
        lag=lag,
    )
    # Two queries read the cohorts (their counts, their lags): each customer's first time
    # doing each event, over every event, is worked out once.
    j = journeys.shared(f"cohorts_{width}", lambda: j)
    counts = (
        j.group_by(["event", "bin"]).aggregate(n=j.customer_id.nunique(), k=j.after.sum()).execute()
    )
    converters = j.filter(j.after == 1)
    lags = (
        converters.group_by("event").aggregate(lag=converters.lag.quantile(LAG_QUANTILE)).execute()
    )
    as_of_day = journeys.as_of_us // DAY_US
    last_bins = {}
    for r in lags.itertuples(index=False):
        if pd.isna(r.lag):
            continue
        ready = int(as_of_day - math.ceil(float(r.lag) / DAY_US))
        # the last whole bin whose every day is at least the lag before the data's end
        last_bins[str(r.event)] = time_bins.last_whole_bin(ready, width)
    done = counts.assign(mkind=GOAL_AFTER, metric=counts.event.astype(str), dim="", val="")
    denominators = {
        (GOAL_AFTER, str(event)): group.set_index("bin")["n"]
        for event, group in counts.groupby("event")
    }
    return done[["mkind", "metric", "dim", "val", "bin", "k"]], denominators, last_bins
