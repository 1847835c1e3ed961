"""The events in the measured map's terms: each event's touchpoint as a small integer (its place
in the map's touchpoint list), and one row per customer and touchpoint with what the figures need.
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import engine_of


def code_events(events: ibis.Table, journey) -> ibis.Table:
    """``events`` plus ``tp``, the place of the event's touchpoint in the map's touchpoint list
    (an integer: cheaper to group and compare than the id; NULL when no rule matches), and
    ``is_goal``. The touchpoint is the first in map order whose rule matches, as in
    :func:`recorrido.analytics.tagging.tag_events`."""
    engine = engine_of(events)
    place = {tp.id: index for index, tp in enumerate(journey.touchpoints)}
    cases = [(rule.predicate(events, engine), place[tp.id]) for _, tp, rule in journey.measured()]
    tp = ibis.cases(*cases, else_=ibis.null("int64")) if cases else ibis.null("int64")
    if journey.goal is None:
        goal = ibis.literal(False)
    else:
        goal = journey.goal.rule(journey).predicate(events, engine).fill_null(False)
    return events.mutate(tp=tp.cast("int64"), is_goal=goal)


def customer_touchpoints(events: ibis.Table, journey, lookup: ibis.Table | None = None):
    """One row per customer and touchpoint (NULL for unmapped events): the events, the first
    and last time, and whether one of them is the goal. Every figure of the measured map but the
    events per channel and the entry/exit order of tied events comes from this table.

    With ``lookup`` (:func:`name_lookup`: the touchpoint of each (event, channel) pair), each
    event's touchpoint is found by a join on the pair instead of running every rule on it."""
    if lookup is None:
        coded = code_events(events, journey)
    else:
        pairs = lookup.select("event", "channel", "tp", "is_goal")
        joined = events.left_join(
            pairs,
            [events.event.identical_to(pairs.event), events.channel.identical_to(pairs.channel)],
        )
        coded = joined.select(
            customer_id=events.customer_id,
            us=events.us,
            tp=pairs.tp,
            is_goal=pairs.is_goal.fill_null(False),
        )
    return coded.group_by(["customer_id", "tp"]).aggregate(
        n=coded.count(),
        first_us=coded.us.min(),
        last_us=coded.us.max(),
        goal=coded.is_goal.any(),
    )


def reads_names_only(journey) -> bool:
    """Whether the touchpoint and goal rules read only the ``event`` and ``channel`` columns (no
    property condition): then a rule's answer is the same for every event of one (event,
    channel) pair."""

    def names_only(rule) -> bool:
        if rule.where:
            return False
        nested = [*(rule.all_ or ()), *(rule.any_ or ()), *([rule.not_] if rule.not_ else [])]
        return all(names_only(r) for r in nested)

    rules = [rule for _, _, rule in journey.measured()]
    if journey.goal is not None:
        rules.append(journey.goal.rule(journey))
    return all(names_only(rule) for rule in rules)


def name_lookup(events: ibis.Table, journey) -> ibis.Table | None:
    """``(event, channel, n, tp, is_goal)``: the events per (event, channel) pair with the pair's
    touchpoint place and goal, when the rules read only those two columns (else None). The few
    pairs are tagged instead of every event, and the counts give the events per channel."""
    if not reads_names_only(journey):
        return None
    pairs = events.group_by(["event", "channel"]).aggregate(n=events.count())
    return code_events(pairs, journey)


def channel_counts(events: ibis.Table, journey, lookup: ibis.Table | None = None) -> ibis.Table:
    """``(tp, channel, events)``: the events per touchpoint place (NULL: unmapped) and channel,
    from :func:`name_lookup`'s counts when there is one."""
    if lookup is not None:
        return lookup.group_by(["tp", "channel"]).aggregate(events=lookup.n.sum())
    coded = code_events(events, journey)
    return coded.group_by(["tp", "channel"]).aggregate(events=coded.count())
