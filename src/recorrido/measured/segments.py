"""Which segment each customer belongs to, for a measured map's breakdown.

- ``persona``: the map's personas that have a data rule; a customer belongs to every persona one
  of whose events matches the rule, and customers in none form the segment ``(none)``.
- ``channel``: the channel of the customer's first event (in (timestamp, event_id) order).
- any other name: that column of the events, or that key of ``properties``, on the customer's first
  event; missing values form ``(none)``.
- no breakdown: one segment, ``all``.
"""

from __future__ import annotations

import ibis

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
