"""Figures per stage of a measured map, per segment.

Definitions (every figure counts customers, each once):

- **customers**: customers with at least one event tagged with the stage.
- **conversion_from_previous**: of the customers who reached the previous stage (in map order),
  the share who also reached this one; **conversion_from_first** likewise from the first stage.
  Each share comes with its 95 % Wilson interval (``..._ci``: ``[low, high]``).
- **dropped**: customers whose furthest stage (highest in map order) is this one, who never
  reached the goal, and whose last event is older than the inactivity period at the measurement
  date (the end of the date range, else the latest event).
- **median / p90 hours to next**: over customers who reached both this stage and the next, the
  time from their first event in this stage to their first event in the next (only when that
  comes later). The median is the mean of the two middle values; p90 is the nearest rank.
- **top entry / exit touchpoint**: the touchpoint of most customers' first / last event in the
  stage (ties broken by touchpoint id).
"""

from __future__ import annotations

from fractions import Fraction

import ibis
import pandas as pd

from recorrido.analytics.intervals import wilson_or_none
from recorrido.analytics.sequence import median_by, order_struct
from recorrido.measured.quantiles import nearest_rank_by

HOUR_US = 3_600_000_000


def stage_visits(events: ibis.Table) -> ibis.Table:
    """One row per customer and stage reached: first time, entry and exit touchpoints."""
    staged = events.filter(events.stage_index.notnull())
    # The customer's one order as a key: no window (a sort of every event).
    order = order_struct(staged)
    return staged.group_by(["customer_id", "stage_index"]).aggregate(
        first_us=staged.us.min(),
        entry=staged.touchpoint.argmin(order),
        exit=staged.touchpoint.argmax(order),
    )


def stage_figures(
    events: ibis.Table,
    segments: ibis.Table,
    people: ibis.Table,
    *,
    stage_ids: list[str],
    inactive_before_us: int,
    scratch=None,
) -> pd.DataFrame:
    """One row per (segment, stage) with the figures above; ``people`` is one row per customer
    with ``last_us`` and ``converted``. With a :class:`~recorrido.measured.scratch.Scratch`, the
    visits and stage pairs (each read several times) are computed once."""
    keep = scratch.keep if scratch is not None else (lambda table: table)
    visits = keep(stage_visits(events).join(segments, "customer_id"))
    keys = ["segment", "stage_index"]
    reach = visits.group_by(keys).aggregate(customers=visits.count()).execute()

    nxt = visits.view()
    pairs = visits.join(
        nxt,
        [
            visits.customer_id == nxt.customer_id,
            visits.segment == nxt.segment,
            nxt.stage_index == visits.stage_index + 1,
        ],
    ).select(
        segment=visits.segment,
        stage_index=visits.stage_index,
        wait_us=nxt.first_us - visits.first_us,
    )
    pairs = keep(pairs)  # read three times below
    onward = pairs.group_by(keys).aggregate(to_next=pairs.count()).execute()
    later = pairs.filter(pairs.wait_us >= 0)
    median = median_by(later, keys, "wait_us", "median_us").execute()
    p90 = nearest_rank_by(later, keys, "wait_us", Fraction(9, 10), "p90_us").execute()

    first = visits.filter(visits.stage_index == 0).select("customer_id", "segment")
    from_first = (
        visits.join(first, ["customer_id", "segment"])
        .group_by(keys)
        .aggregate(from_first=ibis._.count())
        .execute()
    )

    furthest = visits.group_by(["customer_id", "segment"]).aggregate(
        stage_index=visits.stage_index.max()
    )
    stalled = furthest.join(people, "customer_id")
    stalled = stalled.filter(~stalled.converted, stalled.last_us < inactive_before_us)
    dropped = stalled.group_by(keys).aggregate(dropped=stalled.count()).execute()

    entries = _top(visits, "entry")
    exits = _top(visits, "exit")

    frame = _grid(reach["segment"].unique().tolist(), stage_ids)
    for part in (reach, onward, median, p90, from_first, dropped, entries, exits):
        frame = frame.merge(part, on=keys, how="left")
    for column in ("customers", "to_next", "from_first", "dropped"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return _rates(frame)


def _top(visits: ibis.Table, column: str) -> pd.DataFrame:
    counts = (
        visits.filter(visits[column].notnull())
        .group_by(["segment", "stage_index", column])
        .aggregate(n=ibis._.count())
        .execute()
    )
    if counts.empty:
        return pd.DataFrame(columns=["segment", "stage_index", f"top_{column}_touchpoint"])
    counts = counts.sort_values(["segment", "stage_index", "n", column], ascending=[1, 1, 0, 1])
    best = counts.drop_duplicates(["segment", "stage_index"])
    return best.rename(columns={column: f"top_{column}_touchpoint"}).drop(columns="n")


def _grid(segments: list[str], stage_ids: list[str]) -> pd.DataFrame:
    rows = [
        {"segment": segment, "stage_index": index, "stage": stage_id}
        for segment in sorted(segments)
        for index, stage_id in enumerate(stage_ids)
    ]
    return pd.DataFrame(rows, columns=["segment", "stage_index", "stage"])


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Conversion shares from counts; a stage nobody reached before has no rate (None)."""
    frame = frame.sort_values(["segment", "stage_index"]).reset_index(drop=True)
    previous = frame.groupby("segment")["customers"].shift(1)
    reached_previous_and_this = frame.groupby("segment")["to_next"].shift(1)
    first = frame.groupby("segment")["customers"].transform("first")
    frame["conversion_from_previous"] = _share(reached_previous_and_this, previous)
    frame["conversion_from_previous_ci"] = _intervals(reached_previous_and_this, previous)
    frame["conversion_from_first"] = _share(frame["from_first"], first)
    frame["conversion_from_first_ci"] = _intervals(frame["from_first"], first)
    frame["median_hours_to_next"] = frame["median_us"] / HOUR_US
    frame["p90_hours_to_next"] = frame["p90_us"] / HOUR_US
    return frame.drop(columns=["to_next", "from_first", "median_us", "p90_us"])


def _intervals(part: pd.Series, whole: pd.Series) -> list:
    """The 95 % Wilson interval of each share, ``[low, high]`` (None without a denominator)."""
    return [
        None if pd.isna(n) or pd.isna(k) else wilson_or_none(int(k), int(n))
        for k, n in zip(part, whole, strict=True)
    ]


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    whole = whole.astype("float64")
    share = part.astype("float64") / whole.where(whole > 0)
    return share.astype(object).where(share.notna(), None)
