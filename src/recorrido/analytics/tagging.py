"""Which touchpoint and stage each event is, by the journey map's match rules.

An event is the **first** touchpoint, in map order (stage by stage, touchpoint by touchpoint),
whose rule matches it; its stage is that touchpoint's stage. An event no rule matches stays, with
NULL touchpoint and stage (the map's "holes"), so nothing disappears from the counts.
"""

from __future__ import annotations

from pathlib import Path

import ibis

from recorrido.analytics.sequence import engine_of


def load_map(journey_map):
    """A :class:`~recorrido.journey.JourneyMap` from itself or from a YAML path."""
    from recorrido.journey import JourneyMap

    if isinstance(journey_map, JourneyMap):
        return journey_map
    return JourneyMap.load(Path(journey_map))


def tag_events(events: ibis.Table, journey_map) -> ibis.Table:
    """``events`` plus ``touchpoint``, ``stage`` (ids, NULL when unmatched) and ``stage_index``
    (the stage's 0-based place in the map), and ``is_goal`` (the event matches the map's goal)."""
    journey = load_map(journey_map)
    engine = engine_of(events)
    order = {stage.id: index for index, stage in enumerate(journey.stages)}
    tagged = events.mutate(
        touchpoint=journey.touchpoint_expr(events, engine),
        is_goal=_goal_predicate(journey, events, engine),
    )
    # The stage is the matched touchpoint's: looked up from its id instead of running every
    # match rule a second time (the rules are the costly part of tagging on large tables).
    stage_of = [(tp.id, stage.id) for stage in journey.stages for tp in stage.touchpoints]
    stage = (
        tagged.touchpoint.cases(*stage_of, else_=ibis.null("string"))
        if stage_of
        else ibis.null("string")
    )
    tagged = tagged.mutate(stage=stage)
    tagged = tagged.select(*events.columns, "touchpoint", "stage", "is_goal")
    stage_index = tagged.stage.cases(*order.items(), else_=ibis.null("int64"))
    return tagged.mutate(stage_index=stage_index.cast("int64"))


def _goal_predicate(journey, events: ibis.Table, engine: str) -> ibis.Value:
    if journey.goal is None:
        return ibis.literal(False)
    return journey.goal.rule(journey).predicate(events, engine).fill_null(False)
