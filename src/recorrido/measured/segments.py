"""Which segment each customer belongs to, for a measured map's breakdown.

- ``persona``: the map's personas that have a data rule; a customer belongs to every persona one
  of whose events matches the rule, and customers in none form the segment ``(none)``.
- ``channel``: the channel of the customer's first event (in the one order: timestamp, source
  order, event_id).
- any other name: that column of the events, or that key of ``properties``, on the customer's first
  event; missing values form ``(none)``.
- no breakdown: one segment, ``all``.

:func:`versus_rest` compares each segment's stage conversions with the rest of the customers
(Newcombe's interval of the difference, and whether it excludes 0).
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.intervals import diff_interval
from recorrido.analytics.sequence import customer_order, property_value, unknown_property
from recorrido.errors import RecorridoError

NONE = "(none)"
ALL = "all"


def customer_segments(
    events: ibis.Table, journey, breakdown: str | None, people: ibis.Table | None = None
) -> ibis.Table:
    """``(customer_id, segment)``: one row per customer and segment it belongs to. ``people``,
    when given, is a table with one row per customer of ``events`` (saves a distinct)."""
    if people is None:
        people = events.select("customer_id").distinct()
    else:
        people = people.select("customer_id")
    if not breakdown:
        return people.mutate(segment=ibis.literal(ALL))
    if breakdown == "persona":
        return _personas(events, people, journey)
    ranked = events.mutate(_seq=ibis.row_number().over(customer_order(events)))
    first = ranked.filter(ranked._seq == 0).drop("_seq")
    value = property_value(first, breakdown)
    if not int(first.filter(value.notnull()).limit(1).count().execute()):
        # No customer's first event has it: a typo, not a segment of everyone called "(none)".
        unknown_property(
            events.drop(
                *[
                    c
                    for c in ("us", "touchpoint", "stage", "stage_index", "is_goal")
                    if c in events.columns
                ]
            ),
            breakdown,
        )
    return first.select("customer_id", segment=value.fill_null(NONE))


def _personas(events: ibis.Table, people: ibis.Table, journey) -> ibis.Table:
    with_rules = [p for p in journey.personas if p.rule is not None]
    if not with_rules:
        raise RecorridoError("measure_no_persona_rules")
    parts = [
        events.filter(p.rule.predicate(events))
        .select("customer_id")
        .distinct()
        .mutate(segment=ibis.literal(p.id))
        for p in with_rules
    ]
    members = ibis.union(*parts)
    outside = people.anti_join(members, "customer_id").mutate(segment=ibis.literal(NONE))
    return ibis.union(members, outside)


def versus_rest(stages: pd.DataFrame, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each segment's conversion from the previous stage against that of **the rest of the
    customers** (everyone measured who is not in the segment), as new columns of the stage figures
    (one row per segment and stage, as :func:`~recorrido.measured.stages.stage_figures` gives):

    - ``rest_conversion_from_previous``: the rest's share; ``difference_from_rest``: the
      segment's share minus the rest's;
    - ``difference_from_rest_ci``: Newcombe's 95 % hybrid score interval of that difference,
      ``[low, high]``;
    - ``significant``: the interval excludes 0 (``None`` where there is nothing to compare: the
      first stage, no customer at the previous stage in the segment or in the rest, or a single
      segment).

    ``totals`` (one row per ``stage_index`` with ``customers`` who reached it and ``onward`` who
    also reached the next, over every customer; see :func:`stage_totals`) is needed when a customer
    can be in several segments (personas). Without it the totals are the sums over the segments,
    which is right when each customer is in exactly one (channel, a property key).
    """
    frame = stages.sort_values(["segment", "stage_index"]).reset_index(drop=True)
    reached = frame.groupby("segment")["customers"].shift(1)
    onward = [
        None if pd.isna(n) or share is None or pd.isna(share) else round(float(share) * n)
        for share, n in zip(frame["conversion_from_previous"], reached, strict=True)
    ]
    frame["_n"] = reached
    frame["_k"] = pd.Series(onward, dtype="float64")
    if totals is None:
        sums = frame.groupby("stage_index")[["_n", "_k"]].sum(min_count=1)
        total_n, total_k = sums["_n"], sums["_k"]
    else:
        every = sorted(frame["stage_index"].unique())
        by_stage = totals.set_index("stage_index").reindex(every).fillna(0)
        total_n = by_stage["customers"].shift(1)
        total_k = by_stage["onward"].shift(1)
    rest_share, difference, interval, significant = [], [], [], []
    for index, n, k in zip(frame["stage_index"], frame["_n"], frame["_k"], strict=True):
        all_n, all_k = total_n.get(index), total_k.get(index)
        if any(v is None or pd.isna(v) for v in (n, k, all_n, all_k)):
            rest_n = 0
        else:
            n, k, rest_n, rest_k = int(n), int(k), int(all_n - n), int(all_k - k)
        if rest_n <= 0 or not n:
            rest_share.append(None)
            difference.append(None)
            interval.append(None)
            significant.append(None)
            continue
        low, high = diff_interval(k, n, rest_k, rest_n)
        rest_share.append(rest_k / rest_n)
        difference.append(k / n - rest_k / rest_n)
        interval.append([low, high])
        significant.append(bool(low > 0 or high < 0))
    frame["rest_conversion_from_previous"] = pd.Series(rest_share, dtype=object)
    frame["difference_from_rest"] = pd.Series(difference, dtype=object)
    frame["difference_from_rest_ci"] = pd.Series(interval, dtype=object)
    frame["significant"] = pd.Series(significant, dtype=object)
    return frame.drop(columns=["_n", "_k"])


def stage_totals(events: ibis.Table) -> pd.DataFrame:
    """Over every customer of the tagged ``events``: per ``stage_index``, the ``customers`` who
    reached the stage and those (``onward``) who reached it and the next, for :func:`versus_rest`
    when segments overlap."""
    visits = (
        events.filter(events.stage_index.notnull()).select("customer_id", "stage_index").distinct()
    )
    nxt = visits.view()
    pairs = visits.join(
        nxt,
        [visits.customer_id == nxt.customer_id, nxt.stage_index == visits.stage_index + 1],
    ).select(stage_index=visits.stage_index)
    reach = visits.group_by("stage_index").aggregate(customers=visits.count()).execute()
    onward = pairs.group_by("stage_index").aggregate(onward=pairs.count()).execute()
    frame = reach.merge(onward, on="stage_index", how="left")
    frame["onward"] = frame["onward"].fillna(0).astype("int64")
    return frame.sort_values("stage_index").reset_index(drop=True)
