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


def touchpoint_figures(
    events: ibis.Table, people: ibis.Table, touchpoint_ids: list[str], has_goal: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per touchpoint in map order, one row per touchpoint and channel)."""
    tagged = events.filter(events.touchpoint.notnull())
    per = (
        tagged.group_by("touchpoint")
        .aggregate(events=tagged.count(), customers=tagged.customer_id.nunique())
        .execute()
    )
    channels = tagged.group_by(["touchpoint", "channel"]).aggregate(events=tagged.count()).execute()
    totals = channels.groupby("touchpoint")["events"].transform("sum")
    channels["share"] = channels["events"] / totals
    channels = channels.sort_values(["touchpoint", "events", "channel"], ascending=[1, 0, 1])

    frame = pd.DataFrame({"touchpoint": touchpoint_ids}).merge(per, on="touchpoint", how="left")
    frame[["events", "customers"]] = frame[["events", "customers"]].fillna(0).astype("int64")
    if not has_goal:
        for column in ("conversion_with", "conversion_without"):
            frame[column] = None
            frame[f"{column}_ci"] = None
        return frame, channels.reset_index(drop=True)

    had = tagged.select("customer_id", "touchpoint").distinct()
    winners = people.filter(people.converted).select("customer_id")
    converted = (
        had.join(winners, "customer_id")
        .group_by("touchpoint")
        .aggregate(converted=ibis._.count())
        .execute()
    )
    totals_row = people.aggregate(
        everyone=people.count(), winners=people.converted.cast("int64").sum()
    ).execute()
    everyone = int(totals_row["everyone"][0])
    all_winners = int(totals_row["winners"][0] or 0)
    frame = frame.merge(converted, on="touchpoint", how="left")
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
