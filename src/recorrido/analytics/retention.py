"""Retention cohorts: customers grouped by the period they were first seen, and the share that
comes back in each later period (the classic triangle), with its 95 % Wilson score interval."""

from __future__ import annotations

import pandas as pd

from recorrido.analytics.filters import parse_range
from recorrido.analytics.intervals import wilson_or_none
from recorrido.analytics.periods import PERIODS, period_index, period_start
from recorrido.analytics.sequence import stream
from recorrido.errors import RecorridoError


def retention(
    source,
    period: str = "week",
    *,
    return_event: str | None = None,
    level: str = "event",
    start=None,
    end=None,
) -> pd.DataFrame:
    """Cohort retention by calendar period (UTC; weeks start on Monday).

    A customer's **cohort** is the period of their first event at ``level`` (over all their
    events; ``start``/``end`` choose which cohorts, by first-seen date). They are **retained in
    period n** when they have an event (any, or ``return_event``) in the n-th calendar period
    after their cohort's; period 0 is the cohort's own period (100% for "any event").
    Columns: ``cohort`` (first day of the period), ``cohort_size``, ``period`` (n),
    ``customers``, ``rate`` and ``rate_ci``, the rate's 95 % Wilson score interval ``[low, high]``
    (the measured map's ``_ci`` convention). Periods with no returning customer are absent; see
    :func:`retention_matrix` for the triangle.
    """
    if period not in PERIODS:
        raise RecorridoError("analytics_bad_period", period=period, periods=", ".join(PERIODS))
    lower, upper = parse_range(start, end)
    s = stream(source, level)
    if return_event is not None:
        s.check_names([return_event])
    t = s.table.mutate(p=period_index(s.table.us, period))
    # One pass over the events gives each customer's periods (and whether the return event is
    # in one); their first moment and the active periods come from that much smaller table.
    seen = {"first_us": t.us.min()}
    if return_event is not None:
        seen["returned"] = (t.item == return_event).any()
    periods = t.group_by(["customer_id", "p"]).aggregate(**seen)
    first = periods.group_by("customer_id").aggregate(first_us=periods.first_us.min())
    if lower is not None:
        first = first.filter(first.first_us >= lower)
    if upper is not None:
        first = first.filter(first.first_us < upper)
    first = first.mutate(cohort=period_index(first.first_us, period))
    sizes = first.group_by("cohort").aggregate(cohort_size=first.count())
    active = periods if return_event is None else periods.filter(periods.returned)
    active = active.select("customer_id", "p")
    joined = active.join(first, "customer_id")
    joined = joined.mutate(period=joined.p - joined.cohort)
    counts = joined.group_by(["cohort", "period"]).aggregate(customers=joined.count())
    # One query: the cohorts' sizes beside their counts (a cohort with no count keeps its row),
    # so the events are read for one answer, not once for the sizes and again for the counts.
    both = sizes.left_join(counts, sizes.cohort == counts.cohort).select(
        sizes.cohort, sizes.cohort_size, counts.period, counts.customers
    )
    frame = both.execute()
    if frame.empty:
        raise RecorridoError("analytics_no_cohort", start=str(start or "…"), end=str(end or "…"))
    # A cohort nobody came back from still shows, with 0 in its period 0.
    frame["period"] = frame["period"].fillna(0)
    frame["customers"] = frame["customers"].fillna(0)
    frame = frame.sort_values(["cohort", "period"]).reset_index(drop=True)
    frame["rate"] = frame["customers"] / frame["cohort_size"]
    frame["cohort"] = [period_start(i, period) for i in frame["cohort"]]
    frame = frame.astype({"period": "int64", "customers": "int64", "cohort_size": "int64"})
    frame["rate_ci"] = pd.Series(
        [
            wilson_or_none(k, n)
            for k, n in zip(frame["customers"].tolist(), frame["cohort_size"].tolist(), strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    return frame[["cohort", "cohort_size", "period", "customers", "rate", "rate_ci"]]


def retention_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """The triangle: one row per cohort, one column per period, retention rates (NaN = no data
    yet or nobody back)."""
    if frame.empty:
        return pd.DataFrame()
    matrix = frame.pivot(index="cohort", columns="period", values="rate")
    sizes = frame.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    matrix.insert(0, "cohort_size", sizes)
    return matrix
