"""Each customer's events with repeats of one event collapsed (A A B → A B), and each run's
neighbours: what the event loops (:mod:`recorrido.insights.event_loops`) and the failures' behaviour
(:mod:`recorrido.insights.failure_behaviour`) read.

Both collapse the customer's events in order and look at the runs around each one: the loops
one and two back, the failures one back and one ahead. The loops leave the error-like events out
first; when the data has none (:func:`recorrido.insights.error_words.error_free`), both collapse
the same events, and one copy holding every neighbour serves both (:func:`shared`): its two
windows over every event run once per question instead of twice.
"""

from __future__ import annotations

import ibis

from recorrido.insights.journeys import seq_order

#: The columns the readers of the shared copy use (``properties`` for segments, when asked).
COLUMNS = ("customer_id", "us", "seq", "event", "touchpoint", "channel", "is_goal")


def runs(events: ibis.Table) -> ibis.Table:
    """``events`` with repeats of one event collapsed, and per run ``before`` / ``two_before``
    (the events one and two runs back), ``before_tp`` (the touchpoint one back), and ``after``,
    ``after_us``, ``after_tp`` (the next run's event, time and touchpoint)."""
    return _collapsed(events.mutate(prev_event=events.event.lag().over(seq_order(events))))


def all_runs(journeys) -> ibis.Table:
    """:func:`runs` of every event of ``journeys``: the previous event is read from the kept
    copy where it holds one (``Journeys.with_prev``), instead of a window over every event."""
    if journeys.with_prev is None:
        return runs(journeys.events)
    return _collapsed(journeys.with_prev)


def _collapsed(e: ibis.Table) -> ibis.Table:
    collapsed = e.filter(e.prev_event.isnull() | (e.prev_event != e.event))
    order = seq_order(collapsed)
    return collapsed.mutate(
        before=collapsed.event.lag().over(order),
        two_before=collapsed.event.lag(2).over(order),
        before_tp=collapsed.touchpoint.lag().over(order),
        after=collapsed.event.lead().over(order),
        after_us=collapsed.us.lead().over(order),
        after_tp=collapsed.touchpoint.lead().over(order),
    )


def shared(journeys, options) -> ibis.Table:
    """:func:`runs` of all the question's events, worked out once (``Journeys.shared``), with
    the columns its two readers use."""
    columns = [*COLUMNS, "before", "two_before", "before_tp", "after", "after_us", "after_tp"]
    if options.segment_by:
        columns.append("properties")
    return journeys.shared("event_runs", lambda: all_runs(journeys).select(*columns))
