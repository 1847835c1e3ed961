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
from recorrido.analytics.sequence import engine_of, median_by, order_struct
from recorrido.measured.coding import code_events
from recorrido.measured.quantiles import duckdb_quantile_disc, nearest_rank_by
from recorrido.measured.segments import ALL

HOUR_US = 3_600_000_000
P90 = Fraction(9, 10)


#: Largest ``|us| × m`` that stays an exact 64-bit integer (see :func:`_order_key_width`).
_INT64_MAX = 2**63 - 1


def stage_visits(
    journeys: ibis.Table,
    events: ibis.Table,
    segments: ibis.Table | None,
    journey,
    *,
    largest_us: int,
    keep,
) -> tuple[ibis.Table, ibis.Table]:
    """``(visits, ordered)``. ``visits``: one row per customer, segment and stage reached, with
    ``first_us`` (the first time); ``ordered``: the same rows' ``segment``, ``stage_index``,
    ``entry`` and ``exit`` (the place in the map's touchpoint list of the stage's first and last
    event in the one order of events, ``docs/event-order.md``).

    ``journeys`` is one row per customer and touchpoint (``tp``) with ``first_us`` and
    ``last_us``. The entry is the touchpoint with the smallest ``first_us`` among the stage's;
    folding the touchpoint into an integer key ``first_us × m + tp`` (and ``m − 1 − tp``) gives it
    with plain ``min`` aggregates and shows when two touchpoints share that first time. Only
    those ties need the rest of the order (source order, event id): they are settled on the few
    events at the tied times (:func:`_settled_ties`), not by ordering every event. Likewise for
    the exit with ``last_us``."""
    stage_of = _stage_of(journey)
    m = _order_key_width(len(stage_of), largest_us)
    if m is None:  # keys would overflow 64 bits: order every staged event instead
        coded = code_events(events, journey)
        visits = keep(_with_segments(_stage_visits_by_order(coded, stage_of), segments))
        return visits, visits
    staged = journeys.filter(journeys.tp.notnull())
    staged = staged.mutate(stage_index=_stage_index(staged.tp, stage_of))
    tp = staged.tp
    grouped = staged.group_by(["customer_id", "stage_index"]).aggregate(
        first_us=staged.first_us.min(),
        last_us=staged.last_us.max(),
        entry_low=(staged.first_us * m + tp).min(),
        entry_high=(staged.first_us * m + (m - 1 - tp)).min(),
        exit_high=(staged.last_us * m + tp).max(),
        exit_low=(staged.last_us * m + (m - 1 - tp)).max(),
    )
    visits = grouped.select(
        "customer_id",
        "stage_index",
        "first_us",
        "last_us",
        entry=grouped.entry_low - grouped.first_us * m,
        entry_other=(m - 1) - (grouped.entry_high - grouped.first_us * m),
        exit=grouped.exit_high - grouped.last_us * m,
        exit_other=(m - 1) - (grouped.exit_low - grouped.last_us * m),
    )
    visits = keep(_with_segments(visits, segments))
    settled = _settled_ties(visits, events, journey, keep)
    if settled is None:
        return visits, visits
    joined = visits.left_join(settled, ["customer_id", "stage_index"])
    ordered = joined.select(
        segment=visits.segment,
        stage_index=visits.stage_index,
        entry=settled.settled_entry.fill_null(visits.entry),
        exit=settled.settled_exit.fill_null(visits.exit),
    )
    return visits, ordered


def _with_segments(visits: ibis.Table, segments: ibis.Table | None) -> ibis.Table:
    if segments is None:
        return visits.mutate(segment=ibis.literal(ALL))
    return visits.join(segments, "customer_id")


def _settled_ties(visits: ibis.Table, events: ibis.Table, journey, keep) -> ibis.Table | None:
    """``(customer_id, stage_index, settled_entry, settled_exit)`` where two touchpoints of the
    stage share the customer's first (last) time in it, by the one order of events; None when
    no visit has such a tie."""
    entry_tied = visits.entry != visits.entry_other
    exit_tied = visits.exit != visits.exit_other
    ties = keep(
        ibis.union(
            visits.filter(entry_tied).select(
                "customer_id", "stage_index", us=visits.first_us, kind=ibis.literal(0)
            ),
            visits.filter(exit_tied).select(
                "customer_id", "stage_index", us=visits.last_us, kind=ibis.literal(1)
            ),
            distinct=True,  # one row per tie, also where segments repeat a visit
        )
    )
    if not int(ties.count().execute()):
        return None
    # Only the events at a tied time (a semi-join on the integer time, before the map's rules
    # are evaluated on them), then the exact ones.
    # (Unmapped events have no stage and so meet no tie; a filter on the rules here would be
    # pushed below the semi-join and run on every event.)
    near = code_events(events.filter(events.us.isin(ties.select("us").distinct().us)), journey)
    near = near.mutate(stage_index=_stage_index(near.tp, _stage_of(journey)))
    at = near.join(ties, ["customer_id", "stage_index", "us"])
    order = order_struct(at)
    return keep(
        at.group_by(["customer_id", "stage_index"]).aggregate(
            settled_entry=at.tp.argmin(order, where=at.kind == 0),
            settled_exit=at.tp.argmax(order, where=at.kind == 1),
        )
    )


def _stage_visits_by_order(coded: ibis.Table, stage_of: list[int]) -> ibis.Table:
    """:func:`stage_visits` by ordering every staged event (when integer keys cannot be used)."""
    staged = coded.filter(coded.tp.notnull())
    staged = staged.mutate(stage_index=_stage_index(staged.tp, stage_of))
    order = order_struct(staged)
    return staged.group_by(["customer_id", "stage_index"]).aggregate(
        first_us=staged.us.min(),
        entry=staged.tp.argmin(order),
        exit=staged.tp.argmax(order),
    )


def _order_key_width(touchpoints: int, largest_us: int) -> int | None:
    """``m``, a power of two above every touchpoint's place, when ``|us| × m + m`` fits 64 bits."""
    m = 1 << max(1, touchpoints.bit_length())
    return m if (largest_us + 1) * m < _INT64_MAX else None


def _stage_of(journey) -> list[int]:
    """The stage's place for each touchpoint's place in the map."""
    return [index for index, stage in enumerate(journey.stages) for _ in stage.touchpoints]


def _stage_index(tp: ibis.Value, stage_of: list[int]) -> ibis.Value:
    # Touchpoints are listed stage by stage, so a stage is a range of touchpoint places.
    bounds: list[tuple[ibis.Value, int]] = []
    upper = 0
    for index in range(max(stage_of, default=-1) + 1):
        upper += stage_of.count(index)
        bounds.append((tp < upper, index))
    if not bounds:
        return ibis.null("int64")
    return ibis.cases(*bounds, else_=ibis.null("int64")).cast("int64")


def stage_figures(
    journeys: ibis.Table,
    events: ibis.Table,
    segments: ibis.Table | None,
    people: ibis.Table,
    *,
    journey,
    inactive_before_us: int,
    largest_us: int,
    scratch=None,
) -> pd.DataFrame:
    """One row per (segment, stage) with the figures above. ``journeys``: one row per customer,
    touchpoint and channel (:func:`recorrido.measured.coding.customer_touchpoints`);
    ``events``: the events measured (with ``us``); ``segments``: ``(customer_id,
    segment)`` or None for one segment, ``all``; ``people``: one row per customer with
    ``last_us`` and ``converted``. With a :class:`~recorrido.measured.scratch.Scratch`, the
    visits and stage pairs (each read several times) are computed once."""
    keep = scratch.keep if scratch is not None else (lambda table: table)
    stage_ids = [s.id for s in journey.stages]
    touchpoint_ids = [tp.id for tp in journey.touchpoints]
    visits, ordered = stage_visits(
        journeys, events, segments, journey, largest_us=largest_us, keep=keep
    )
    keys = ["segment", "stage_index"]

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
    if engine_of(pairs) == "duckdb":
        # One aggregate: exact median (quantile_cont, see median_by) and nearest-rank p90.
        later = pairs.wait_us >= 0
        waits = [
            pairs.group_by(keys)
            .aggregate(
                to_next=pairs.count(),
                median_us=pairs.wait_us.quantile(0.5, where=later).cast("float64"),
                p90_us=duckdb_quantile_disc(pairs.wait_us, float(P90), where=later),
            )
            .execute()
        ]
    else:
        pairs = keep(pairs)  # read three times below
        later = pairs.filter(pairs.wait_us >= 0)
        waits = [
            pairs.group_by(keys).aggregate(to_next=pairs.count()).execute(),
            median_by(later, keys, "wait_us", "median_us").execute(),
            nearest_rank_by(later, keys, "wait_us", P90, "p90_us").execute(),
        ]

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

    entries = _counts(ordered, "entry", touchpoint_ids)
    exits = _counts(ordered, "exit", touchpoint_ids)
    reach = entries.groupby(keys, as_index=False)["n"].sum().rename(columns={"n": "customers"})

    segment_names = reach["segment"].unique().tolist() if segments is not None else [ALL]
    frame = _grid(segment_names, stage_ids)
    for part in (
        reach,
        *waits,
        from_first,
        dropped,
        _top(entries, "entry"),
        _top(exits, "exit"),
    ):
        frame = frame.merge(part, on=keys, how="left")
    for column in ("customers", "to_next", "from_first", "dropped"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return _rates(frame)


def _counts(visits: ibis.Table, column: str, touchpoint_ids: list[str]) -> pd.DataFrame:
    """Customers per segment, stage and entry (exit) touchpoint, with the touchpoint's id."""
    counts = visits.group_by(["segment", "stage_index", column]).aggregate(n=ibis._.count())
    counts = counts.execute()
    counts[column] = [touchpoint_ids[int(i)] for i in counts[column]]
    return counts


def _top(counts: pd.DataFrame, column: str) -> pd.DataFrame:
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
