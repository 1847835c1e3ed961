"""The **trouble** series of the changes scan: customers doing any error-like or support event.

An incident seldom moves one event alone: errors of several kinds and calls to support rise
together, each too rare to stand out in a few hundred customers. When the data has two or more
trouble events, their union is one more overall series of :mod:`recorrido.insights.changes`
(metric kind ``trouble``), and a finding names the trouble events that rose in its period.
"""

from __future__ import annotations

import ibis

from recorrido.insights.error_words import is_error_event


def column(journeys):
    """Whether an event row is **trouble**: an error-like name (:mod:`error_words`) or a support
    contact (an assisted touchpoint of the map, or a name that reads as one), never the goal."""
    from recorrido.insights.failure_behaviour import support_column

    def value(table: ibis.Table) -> ibis.Value:
        bad = is_error_event(journeys, table.event) | support_column(
            journeys, table.event, table.touchpoint
        )
        return bad.fill_null(False) & ~table.is_goal.fill_null(False)

    return value


def events(journeys) -> list[str]:
    """The event names that count as trouble in this data (see :func:`column`)."""
    e = journeys.events
    names = e.filter(column(journeys)(e)).select("event").distinct().execute()
    return sorted(str(x) for x in names.event)


def contributors(active_of, done, names, dim, val, first, last) -> list[str]:
    """Of the trouble events ``names``, those more customers did inside bins ``first``..``last``
    than their rate outside predicts, the largest excess first."""
    n = active_of.get((str(dim), str(val)))
    if n is None:
        return []
    inside = (n.index >= first) & (n.index <= last)
    n_in, n_out = float(n[inside].sum()), float(n[~inside].sum())
    mine = done[(done.mkind == "event") & (done.dim == dim) & (done.val == val)]
    excess = []
    for name, g in mine[mine.metric.isin(names)].groupby("metric"):
        k_in = float(g.k[(g.bin >= first) & (g.bin <= last)].sum())
        k_out = float(g.k.sum()) - k_in
        extra = k_in - n_in * (k_out / n_out if n_out else 0.0)
        if extra > 0:
            excess.append((-extra, str(name)))
    return [name for _, name in sorted(excess)]
