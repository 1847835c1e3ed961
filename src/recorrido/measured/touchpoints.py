"""Figures per touchpoint of a measured map.

- **events / customers**: events tagged with the touchpoint, and the customers they belong to.
- **channels**: the touchpoint's events per channel, as counts and shares.
- **conversion_with / conversion_without**: the share of customers who reached the map's goal,
  among customers who had the touchpoint and among those who did not (over every customer in the
  measured range), each with its 95 % Wilson interval (``..._ci``). Having it is not causing it:
  see the insights for moments of truth.
"""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.intervals import wilson_or_none
from recorrido.measured.coding import channel_counts


def touchpoint_figures(
    journeys: ibis.Table,
    events: ibis.Table,
    people: ibis.Table,
    journey,
    *,
    everyone: int,
    all_winners: int,
    lookup: ibis.Table | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per touchpoint in map order, one row per touchpoint and channel).

    ``journeys`` is one row per customer and touchpoint place (``tp``) with its events ``n``
    (:func:`recorrido.measured.coding.customer_touchpoints`); ``events`` the events measured;
    ``people`` one row per customer with ``converted``; ``everyone`` and ``all_winners``
    count its customers and converted customers; ``lookup``: see
    :func:`~recorrido.measured.coding.name_lookup`. Without a goal in the map the conversions are
    None."""
    touchpoint_ids = [tp.id for tp in journey.touchpoints]
    has_goal = journey.goal is not None
    channels = channel_counts(events, journey, lookup).execute()
    channels = channels[channels["tp"].notna()]
    channels.insert(0, "touchpoint", _ids(channels["tp"], touchpoint_ids))
    channels = channels.drop(columns="tp")
    totals = channels.groupby("touchpoint")["events"].transform("sum")
    channels["share"] = channels["events"] / totals
    channels = channels.sort_values(["touchpoint", "events", "channel"], ascending=[1, 0, 1])

    had = journeys.filter(journeys.tp.notnull())
    per = had.group_by("tp").aggregate(events=had.n.sum(), customers=had.count()).execute()
    if has_goal:
        winners = people.filter(people.converted).select("customer_id")
        won = had.filter(had.customer_id.isin(winners.customer_id))
        converted = won.group_by("tp").aggregate(converted=won.count()).execute()
        per = per.merge(converted, on="tp", how="left")
    per.insert(0, "touchpoint", _ids(per["tp"], touchpoint_ids))
    per = per.drop(columns="tp")

    frame = pd.DataFrame({"touchpoint": touchpoint_ids}).merge(per, on="touchpoint", how="left")
    frame[["events", "customers"]] = frame[["events", "customers"]].fillna(0).astype("int64")
    if not has_goal:
        for column in ("conversion_with", "conversion_without"):
            frame[column] = None
            frame[f"{column}_ci"] = None
        return frame, channels.reset_index(drop=True)

    frame["converted"] = frame["converted"].fillna(0).astype("int64")
    frame["conversion_with"] = [
        c / n if n else None for c, n in zip(frame.converted, frame.customers, strict=True)
    ]
    frame["conversion_without"] = [
        (all_winners - c) / (everyone - n) if everyone - n else None
        for c, n in zip(frame.converted, frame.customers, strict=True)
    ]
    frame["conversion_with_ci"] = [
        wilson_or_none(c, n) for c, n in zip(frame.converted, frame.customers, strict=True)
    ]
    frame["conversion_without_ci"] = [
        wilson_or_none(all_winners - c, everyone - n)
        for c, n in zip(frame.converted, frame.customers, strict=True)
    ]
    return frame.drop(columns="converted"), channels.reset_index(drop=True)


def _ids(places: pd.Series, touchpoint_ids: list[str]) -> list[str]:
    return [touchpoint_ids[int(i)] for i in places]
