"""The step table: each customer's journey as numbered steps — what every path view reads.

One row per step of a customer's stream at a level (see :mod:`recorrido.analytics.sequence`),
in the one order of :func:`~recorrido.analytics.sequence.order_keys`:

- ``customer_id``, ``step`` (1-based), ``item`` (the value at the level), ``event_id``;
- ``us`` (when the step began) and ``until_us`` (when its last event happened: with
  ``collapse_repeats`` a run of the same value is one step that lasts from its first to its last
  event; otherwise the two are equal);
- ``next_item`` (the value of the next step, or :data:`END` after the last one) and ``next_us``.

The directly-follows graph, the Sankey flows, the step matrix, the variants and the strict funnel
are all computed from this table, so that for the same level, dates and repeat handling their
counts agree: the customers leaving node *e* at step *k* of a Sankey are the customers whose
*k*-th step is *e* in the step matrix, and a strict funnel's step counts are the customers who
follow its steps band after band (``docs/views-reconcile.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from recorrido.analytics.sequence import Stream, customer_order, stream

#: The explicit end of a journey: the ``next_item`` of a customer's last step.
END = "(end)"


@dataclass(frozen=True)
class Steps:
    """A step table (an unexecuted Ibis expression) and how it was made."""

    table: ibis.Table
    stream: Stream
    collapse_repeats: bool

    @property
    def level(self) -> str:
        return self.stream.level


def step_table(
    source,
    level: str = "event",
    *,
    collapse_repeats: bool = False,
    start=None,
    end=None,
    check: bool = True,
) -> Steps:
    """The step table of ``source`` at ``level`` from ``start`` to ``end`` (module docstring).
    ``check=False`` leaves asking whether there are events at all to the caller (see
    :func:`~recorrido.analytics.sequence.stream`)."""
    s = stream(source, level, start=start, end=end, check=check)
    return steps_of(s, collapse_repeats=collapse_repeats)


def steps_of(s: Stream, *, collapse_repeats: bool = False) -> Steps:
    """The step table of an existing stream."""
    t = s.table
    if collapse_repeats:
        order = customer_order(t)
        # Materialised as columns first: Spark refuses window functions inside a filter.
        t = t.mutate(
            _previous=t.item.lag().over(order),
            _next=t.item.lead().over(order),
            _next_us=t.us.lead().over(order),
        )
        # A run's last event carries its end time back to the run's first event below.
        t = t.mutate(
            _first=t._previous.isnull() | (t._previous != t.item),
            _last=t._next.isnull() | (t._next != t.item),
        )
        runs = t.filter(t._first | t._last)
        # One more pass over the runs' first and last events gives every column: a run's
        # last event is the row right after its first (or the first itself), and its
        # ``_next``/``_next_us`` are the next run's; the step is the count of runs begun so
        # far. (Numbering the kept rows in a pass of their own sorted them once more.)
        order = customer_order(runs)
        so_far = customer_order(runs, rows=(None, 0))
        last = runs._last
        runs = runs.mutate(
            until_us=ibis.ifelse(last, runs.us, runs.us.lead().over(order)),
            step=runs._first.cast("int64").sum().over(so_far),
            next_item=ibis.ifelse(last, runs._next, runs._next.lead().over(order)).fill_null(END),
            next_us=ibis.ifelse(last, runs._next_us, runs._next_us.lead().over(order)),
        )
        t = runs.filter(runs._first)
    else:
        t = t.mutate(until_us=t.us)
        order = customer_order(t)
        t = t.mutate(
            step=ibis.row_number().over(order) + 1,
            next_item=t.item.lead().over(order).fill_null(END),
            next_us=t.us.lead().over(order),
        )
    columns = ["customer_id", "step", "item", "event_id", "us", "until_us", "next_item", "next_us"]
    extra = [c for c in t.columns if c not in columns and not c.startswith("_")]
    return Steps(t.select(*columns, *extra), s, collapse_repeats)
