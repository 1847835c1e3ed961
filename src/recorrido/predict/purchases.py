"""Each customer's purchase history at a cutoff, as the BG/NBD and Gamma-Gamma models read it.

Computed as Ibis expressions in the engine (DuckDB, Spark); only the one-row-per-customer result
comes back. Purchases are counted **by day** (several purchases on one UTC day are one
transaction, as Fader & Hardie and ``lifetimes`` do), and times are whole days divided by
``unit_days`` (7 gives weeks):

- ``x``: repeat purchase days before the cutoff (the first purchase day is not counted);
- ``t_x``: from the first purchase day to the last one;
- ``T``: from the first purchase day to the last day before the cutoff;
- ``mean_spend``: mean ``value`` of the repeat purchase days (NULL when ``x = 0``);
- ``holdout``: purchase days from the cutoff up to ``holdout_end`` (when given).

Only customers whose first purchase is before the cutoff appear.
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis

from recorrido.analytics.sequence import epoch_micros

DAY_US = 86_400_000_000


def purchase_days(events: ibis.Table, purchase_events: list[str] | None = None) -> ibis.Table:
    """One row per customer and UTC day with a purchase: ``customer_id, day, spend``."""
    if purchase_events:
        events = events.filter(events.event.isin(purchase_events))
    day = (epoch_micros(events) // DAY_US).cast("int64")
    dated = events.mutate(day=day)
    return dated.group_by(["customer_id", "day"]).aggregate(spend=dated.value.sum())


def purchase_summary(
    events: ibis.Table,
    cutoff: datetime,
    *,
    purchase_events: list[str] | None = None,
    unit_days: float = 7.0,
    holdout_end: datetime | None = None,
) -> ibis.Table:
    """``customer_id, x, t_x, T, mean_spend`` (and ``holdout``) per customer at ``cutoff``."""
    days = purchase_days(events, purchase_events)
    cutoff_day = _day_number(cutoff)
    before = days.filter(days.day < cutoff_day)
    first = before.group_by("customer_id").aggregate(first_day=before.day.min())
    joined = before.join(first, "customer_id")
    is_repeat = joined.day > joined.first_day
    summary = joined.group_by("customer_id").aggregate(
        first_day=joined.first_day.max(),
        last_day=joined.day.max(),
        x=is_repeat.cast("int64").sum(),
        repeat_spend=ibis.ifelse(is_repeat, joined.spend, 0.0).sum(),
    )
    result = summary.select(
        "customer_id",
        x=summary.x,
        t_x=(summary.last_day - summary.first_day) / unit_days,
        T=(cutoff_day - 1 - summary.first_day) / unit_days,
        mean_spend=ibis.ifelse(summary.x > 0, summary.repeat_spend / summary.x, ibis.null()),
    )
    if holdout_end is None:
        return result
    later = days.filter((days.day >= cutoff_day) & (days.day < _day_number(holdout_end)))
    counts = later.group_by("customer_id").aggregate(holdout=later.count())
    joined_later = result.left_join(counts, "customer_id")
    return joined_later.select(
        *[joined_later[c] for c in result.columns], holdout=joined_later.holdout.fill_null(0)
    )


def _day_number(moment: datetime) -> int:
    """Days since 1970-01-01 of ``moment`` (UTC); a cutoff at midnight starts that day."""
    seconds = moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=UTC).timestamp()
    return int(seconds // 86_400)
