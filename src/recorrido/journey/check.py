"""How well a map covers real events: per touchpoint, events and customers matched; the holes.

A touchpoint that matches nothing is either not tracked yet or has a wrong rule; events that match
no touchpoint are the holes of the map, the part of the real journey nobody drew. Both are shown,
never hidden. Everything is one Ibis aggregate, so it runs where the events are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from recorrido.journey.model import JourneyMap

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

#: How many event names the holes list shows.
HOLE_EVENTS = 10


@dataclass
class TouchpointCoverage:
    stage: str
    touchpoint: str
    name: str
    measured: bool  # has a match rule
    events: int
    customers: int
    event_share: float  # of all events


@dataclass
class Coverage:
    map_name: str
    events: int
    customers: int
    matched_events: int
    unmatched_events: int
    overlapping_events: int  # match two touchpoints or more
    touchpoints: list[TouchpointCoverage] = field(default_factory=list)
    hole_events: list[dict[str, Any]] = field(default_factory=list)  # {event, events}, top first

    @property
    def unmatched_share(self) -> float:
        return self.unmatched_events / self.events if self.events else 0.0

    @property
    def matching_nothing(self) -> list[str]:
        return [t.touchpoint for t in self.touchpoints if t.measured and not t.events]

    @property
    def unmeasured(self) -> list[str]:
        return [t.touchpoint for t in self.touchpoints if not t.measured]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unmatched_share"] = self.unmatched_share
        data["matching_nothing"] = self.matching_nothing
        data["unmeasured"] = self.unmeasured
        return data


def check_map(source: Workspace | ir.Table, journey: JourneyMap) -> Coverage:
    """Coverage of ``journey`` over a workspace's events (or any table with the event columns)."""
    table = source if isinstance(source, ir.Table) else source.events
    engine = ibis.get_backend(table).name
    measured = journey.measured()
    flags = {f"m{i}": rule.predicate(table, engine) for i, (_, _, rule) in enumerate(measured)}
    marked = table.select("event", "customer_id", **flags)
    hits = sum((marked[name].cast("int64") for name in flags), ibis.literal(0, type="int64"))
    marked = marked.mutate(hits=hits)

    metrics: dict[str, ir.Value] = {
        "events": marked.count(),
        "customers": marked.customer_id.nunique(),
        "unmatched": (marked.hits == 0).cast("int64").sum(),
        "overlapping": (marked.hits > 1).cast("int64").sum(),
    }
    for name in flags:
        metrics[f"{name}_events"] = marked[name].cast("int64").sum()
        metrics[f"{name}_customers"] = marked.customer_id.nunique(where=marked[name])
    totals = {
        k: int(v or 0) for k, v in marked.aggregate(**metrics).to_pyarrow().to_pylist()[0].items()
    }

    holes = (
        marked.filter(marked.hits == 0)
        .group_by("event")
        .aggregate(events=ibis._.count())
        .order_by([ibis.desc("events"), "event"])
        .limit(HOLE_EVENTS)
        .to_pyarrow()
        .to_pylist()
    )

    events = totals["events"]
    by_touchpoint = {tp.id: f"m{i}" for i, (_, tp, _) in enumerate(measured)}
    rows = []
    for stage in journey.stages:
        for tp in stage.touchpoints:
            name = by_touchpoint.get(tp.id)
            count = totals[f"{name}_events"] if name else 0
            rows.append(
                TouchpointCoverage(
                    stage=stage.id,
                    touchpoint=tp.id,
                    name=tp.name,
                    measured=name is not None,
                    events=count,
                    customers=totals[f"{name}_customers"] if name else 0,
                    event_share=count / events if events else 0.0,
                )
            )
    return Coverage(
        map_name=journey.name,
        events=events,
        customers=totals["customers"],
        matched_events=events - totals["unmatched"],
        unmatched_events=totals["unmatched"],
        overlapping_events=totals["overlapping"],
        touchpoints=rows,
        hole_events=holes,
    )
