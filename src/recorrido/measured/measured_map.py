"""The measured map: the designed journey map with what really happened attached to it.

:func:`measure` tags the events with the map's touchpoints and stages, then computes the stage
and touchpoint figures (see :mod:`recorrido.measured.stages` and
:mod:`recorrido.measured.touchpoints`) in the engine; only the small per-stage and per-touchpoint
results come back to Python.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from recorrido.analytics.filters import in_range, parse_range
from recorrido.analytics.sequence import epoch_micros, events_of, raise_empty
from recorrido.analytics.tagging import load_map, tag_events
from recorrido.analytics.windows import DEFAULT_INACTIVITY, parse_duration
from recorrido.measured.coding import customer_touchpoints, name_lookup
from recorrido.measured.scratch import Scratch
from recorrido.measured.segments import customer_segments, stage_totals, versus_rest
from recorrido.measured.stages import stage_figures
from recorrido.measured.touchpoints import touchpoint_figures


@dataclass
class MeasuredMap:
    """The map plus its figures. ``stages`` has one row per (segment, stage); ``touchpoints``
    one row per touchpoint, in map order; ``channels`` one row per touchpoint and channel."""

    journey: object
    stages: pd.DataFrame
    touchpoints: pd.DataFrame
    channels: pd.DataFrame
    summary: dict
    options: dict = field(default_factory=dict)

    def stage_rows(self, segment: str | None = None) -> list[dict]:
        """The stage figures of one segment (``all`` without a breakdown), in map order."""
        segment = segment or self.summary["segments"][0]
        rows = self.stages[self.stages.segment == segment]
        names = {s.id: s for s in self.journey.stages}
        out = []
        for row in _records(rows):
            stage = names[row["stage"]]
            out.append(
                {
                    "id": row["stage"],
                    "name": stage.name,
                    "phase": stage.phase,
                    **{k: v for k, v in row.items() if k not in ("stage", "segment")},
                }
            )
        return out

    def to_dict(self) -> dict:
        """Everything as plain JSON-ready values (the ``--json`` output)."""
        touchpoints = []
        channel_rows = _records(self.channels)
        for row in _records(self.touchpoints):
            stage = self.journey.stage_of(row["touchpoint"])
            touchpoints.append(
                {
                    "id": row["touchpoint"],
                    "stage": stage.id,
                    **{k: v for k, v in row.items() if k != "touchpoint"},
                    "channels": [
                        {"channel": c["channel"], "events": c["events"], "share": c["share"]}
                        for c in channel_rows
                        if c["touchpoint"] == row["touchpoint"]
                    ],
                }
            )
        result = {
            "map": self.journey.name,
            "summary": self.summary,
            "options": self.options,
            "stages": self.stage_rows(),
            "touchpoints": touchpoints,
        }
        if self.options.get("breakdown"):
            result["breakdown"] = {
                "by": self.options["breakdown"],
                "segments": [
                    {"segment": s, "stages": self.stage_rows(s)} for s in self.summary["segments"]
                ],
            }
        return result

    def figure(self, segment: str | None = None, *, lang: str = "en"):
        """A Plotly funnel of customers per stage (``segment="*"``: one trace per segment)."""
        from recorrido.measured.charts import stage_funnel_figure

        return stage_funnel_figure(self, segment, lang=lang)

    def touchpoint_figure(self, *, lang: str = "en"):
        """A Plotly bar chart of events and customers per touchpoint."""
        from recorrido.measured.charts import touchpoint_volume_figure

        return touchpoint_volume_figure(self, lang=lang)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_html(self, path, lang: str | None = None, *, source=None, **options):
        """Write the journey map report (one self-contained HTML file) to ``path``; ``source``
        (the workspace or events table measured) adds the charts below the map. See
        :func:`recorrido.report.build.write_report` for the options."""
        from recorrido.report.build import write_report

        return write_report(self, path, source=source, lang=lang, **options)


def measure(
    source,
    journey_map,
    *,
    start=None,
    end=None,
    inactivity: str = DEFAULT_INACTIVITY,
    breakdown: str | None = None,
) -> MeasuredMap:
    """Measure ``journey_map`` (a JourneyMap or a YAML path) on a workspace or events table.

    ``start``/``end`` limit the events (dates or ISO times, UTC; ``end`` inclusive of that day);
    ``inactivity`` is how long without events makes a customer count as dropped;
    ``breakdown`` is ``persona``, ``channel`` or a property key.

    The events are read three times: the events per (event, channel) pair, tagged with the map's
    rules (:func:`~recorrido.measured.coding.name_lookup`; the events per channel); one aggregate
    per customer and touchpoint (the ``journeys`` table,
    :func:`~recorrido.measured.coding.customer_touchpoints`), which holds everything the other
    figures need but the order of the events of two touchpoints that share a timestamp; and
    those few events (see :func:`recorrido.measured.stages.stage_visits`).
    """
    journey = load_map(journey_map)
    inactivity_us = parse_duration(inactivity)
    lower, upper = parse_range(start, end)
    events = events_of(source)
    events = events.filter(events.customer_id.notnull())
    events = in_range(events.mutate(us=epoch_micros(events)), "us", lower, upper)
    # Intermediate tables read by several figures are computed once (dropped at the end).
    with Scratch() as scratch:
        lookup = name_lookup(events, journey)
        if lookup is not None:
            lookup = scratch.keep(lookup)
        journeys = scratch.keep(customer_touchpoints(events, journey, lookup))
        span = journeys.aggregate(
            events=journeys.n.sum(),
            unmapped=journeys.n.sum(where=journeys.tp.isnull()),
            first_us=journeys.first_us.min(),
            last_us=journeys.last_us.max(),
        ).execute()
        total = _int(span["events"][0])
        if total == 0:
            raise_empty(events_of(source), start, end)
        last_us = _int(span["last_us"][0])
        as_of_us = upper if upper is not None else last_us
        people = scratch.keep(
            journeys.group_by("customer_id").aggregate(
                last_us=journeys.last_us.max(), converted=journeys.goal.any()
            ),
        )
        counts = people.aggregate(
            customers=people.count(), converted=people.converted.cast("int64").sum()
        ).execute()
        customers = _int(counts["customers"][0])
        winners = _int(counts["converted"][0])
        segments = None
        if breakdown:
            segments = customer_segments(
                tag_events(events, journey), journey, breakdown, people=people
            )
        stages = stage_figures(
            journeys,
            events,
            segments,
            people,
            journey=journey,
            inactive_before_us=as_of_us - inactivity_us,
            largest_us=max(abs(_int(span["first_us"][0])), abs(last_us)),
            scratch=scratch,
        )
        if breakdown:
            # Personas may overlap: the rest of a persona is then counted from every customer.
            totals = stage_totals(tag_events(events, journey)) if breakdown == "persona" else None
            stages = versus_rest(stages, totals)
        touchpoints, channels = touchpoint_figures(
            journeys,
            events,
            people,
            journey,
            everyone=customers,
            all_winners=winners,
            lookup=lookup,
        )
        unmapped = _int(span["unmapped"][0])
        summary = {
            "events": total,
            "customers": customers,
            "converted_customers": winners if journey.goal else None,
            "unmapped_events": unmapped,
            "unmapped_share": unmapped / total,
            "measured_at": _iso(as_of_us),
            # with measured_at, how long the data runs: shorter than the inactivity, nobody can
            # count as stopped yet, and the tables say so rather than show zeros
            "first_event_at": _iso(_int(span["first_us"][0])),
            "shorter_than_inactivity": as_of_us - _int(span["first_us"][0]) < inactivity_us,
            "segments": sorted(stages["segment"].unique().tolist()),
        }
        options = {
            "start": None if start is None else str(start),
            "end": None if end is None else str(end),
            "inactivity": inactivity,
            "breakdown": breakdown,
        }
        return MeasuredMap(journey, stages, touchpoints, channels, summary, options)


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).isoformat()


def _int(value) -> int:
    """An integer from an aggregate's value (0 for a missing one: a sum over no rows)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            missing = value is pd.NA or value is pd.NaT
            if missing or (isinstance(value, float) and math.isnan(value)):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            clean[key] = value
        rows.append(clean)
    return rows
