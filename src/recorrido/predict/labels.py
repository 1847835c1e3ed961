"""What happened after a cutoff: the answer a propensity model learns to predict.

- ``convert``: the customer did the target event (or reached the journey map's goal) at or after
  the cutoff and before ``cutoff + horizon``: label 1, else 0;
- ``churn``: the customer did nothing at all in that window: label 1, else 0.

Labels read only events in ``[cutoff, cutoff + horizon)``; features read only events before the
cutoff (:mod:`recorrido.predict.features`). The two never overlap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import ibis

from recorrido.analytics.sequence import epoch_micros
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.predict.features import DAY_US, micros

KINDS = ("convert", "churn")


@dataclass(frozen=True)
class Target:
    """What to predict: ``kind`` (convert or churn), the target ``event`` and the horizon."""

    kind: str
    horizon_days: float
    event: str | None = None
    journey_map: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RecorridoError("predict_unknown_kind", kind=self.kind, known=", ".join(KINDS))
        if self.horizon_days <= 0:
            raise RecorridoError("predict_bad_horizon", value=str(self.horizon_days))
        if self.kind == "convert" and not (self.event or self.journey_map):
            raise RecorridoError("predict_needs_target")

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        days = f"{self.horizon_days:g}d"
        if self.kind == "churn":
            return f"no activity within {days}"
        return f"{self.event or 'goal'} within {days}"


def check_target_event(events: ibis.Table, target: Target) -> None:
    """Raise naming the target event when no event has that name."""
    if target.kind != "convert" or not target.event:
        return
    if events.filter(events.event == target.event).limit(1).count().execute():
        return
    known = (
        events.group_by("event").aggregate(n=events.count()).order_by(ibis.desc("n")).limit(50)
    ).execute()["event"]
    names = [str(n) for n in known]
    raise RecorridoError(
        "predict_unknown_event",
        name=target.event,
        suggestion=did_you_mean(target.event, names) or ", ".join(names[:8]),
    )


def labels(events: ibis.Table, cutoff: datetime, target: Target) -> ibis.Table:
    """``customer_id, hit``: customers with a qualifying event in ``[cutoff, cutoff + horizon)``.

    ``hit`` is 1 for each customer listed; customers not listed had none. For ``churn`` a hit is
    any activity (the label is then ``1 - hit``)."""
    start = micros(cutoff)
    end = start + int(target.horizon_days * DAY_US)
    with_us = events.mutate(us=epoch_micros(events))
    window = with_us.filter((with_us.us >= start) & (with_us.us < end))
    if target.kind == "convert":
        if target.event:
            window = window.filter(window.event == target.event)
        else:
            from recorrido.analytics.tagging import tag_events

            tagged = tag_events(window, target.journey_map)
            window = tagged.filter(tagged.is_goal)
    return window.select("customer_id").distinct().mutate(hit=ibis.literal(1, "int64"))
