"""One step per work item: the lifecycle transitions of one activity read as one step.

Process-mining logs (XES) record a work item's life as several events of one name, told apart
by ``lifecycle:transition``: BPI 2012's ``W_Completeren aanvraag`` is ``SCHEDULE``, then
``START`` / ``COMPLETE`` once or several times (the agent works on it in several sittings). To
the detectors those events are separate steps: the repeats read as loops, the trailing
``COMPLETE`` (closed after the bank's decision) reads as "went quiet after" the work item, and
the gap between ``SCHEDULE`` and ``START`` reads as a wait between steps. They are one step.

**Instances.** Per customer and activity (event name), in the customer's one order, an event
**opens** a new instance when it is the activity's first, when it is a ``SCHEDULE``, when its
transition is missing or not one of the XES standard lifecycle (then it is a step of its own,
as before: BPI 2013's ``Queued`` / ``Accepted`` carry statuses such as ``In Progress`` there),
or when the one before it ended an instance (``COMPLETE``, an abort, a skip, a withdrawal) and
the activity was never scheduled so far. So ``SCHEDULE START COMPLETE START COMPLETE`` is one
instance (one work item worked on twice); ``START COMPLETE START COMPLETE`` of an unscheduled
activity is two; a complete-only activity (``A_SUBMITTED``) is one instance per event, as
before; a second ``SCHEDULE`` is a second work item (a validation redone is a real repeat).

**The step** is the instance's first event (its time is when the work item was created), so
the outcome that closed the application comes after it, not before. Its own times are kept by
:func:`instances`: ``queue_us`` (first event to the first ``START``: waiting to be picked up)
and ``own_us`` (first event to the last: the work item's whole life), for a detector that
judges a step's own duration; the waits between steps are measured from the first events.

Only logs that carry the key pay for it (:func:`has_lifecycle` reads a sample of rows).
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import known_property_keys, order_keys, property_value

KEY = "lifecycle:transition"
#: The XES standard lifecycle model's transitions (lower-case).
STANDARD = (
    "schedule",
    "assign",
    "reassign",
    "start",
    "suspend",
    "resume",
    "complete",
    "withdraw",
    "ate_abort",
    "pi_abort",
    "autoskip",
    "manualskip",
)
#: Transitions after which an unscheduled activity's next event is a new instance.
ENDING = ("complete", "withdraw", "ate_abort", "pi_abort", "autoskip", "manualskip")


def has_lifecycle(events: ibis.Table) -> bool:
    """Whether the events carry ``lifecycle:transition`` (read on a sample of rows)."""
    return "properties" in events.columns and KEY in known_property_keys(events)


def _marked(events: ibis.Table) -> ibis.Table:
    """``events`` with ``_opens`` (the event opens an instance) and ``_inst`` (the instance's
    number among the customer's instances of the activity)."""
    t = events.mutate(_lc=property_value(events, KEY).lower())
    order = order_keys(t)
    keys = [t.customer_id, t.event]
    w = ibis.window(group_by=keys, order_by=order)
    upto = ibis.window(group_by=keys, order_by=order, preceding=None, following=0)
    standard = t._lc.isin(STANDARD).fill_null(False)
    prev = t._lc.lag().over(w)
    # Scheduled so far (this row included): later events belong to the scheduled work item.
    scheduled = (t._lc == "schedule").fill_null(False).cast("int64").max().over(upto)
    opens = (
        (ibis.row_number().over(w) == 0)
        | ~standard
        | (t._lc == "schedule")
        | (prev.isin(ENDING).fill_null(False) & (scheduled == 0))
    )
    t = t.mutate(_opens=opens)
    return t.mutate(_inst=t._opens.cast("int64").sum().over(upto))


def collapse(events: ibis.Table) -> ibis.Table:
    """``events`` with one row per instance (its first event); unchanged when the log has no
    lifecycle transitions. The columns stay the same."""
    if not has_lifecycle(events):
        return events
    t = _marked(events)
    return t.filter(t._opens).select(*events.columns)


def instances(events: ibis.Table) -> ibis.Table:
    """``(customer_id, event, us, queue_us, own_us, transitions)`` per instance: its first
    event's time, the time to its first ``START`` (NULL when never started) and to its last
    event, and how many events it had. Needs ``us`` (epoch microseconds)."""
    t = _marked(events)
    start_us = ibis.cases((t._lc == "start", t.us), else_=ibis.null("int64"))
    per = t.group_by(["customer_id", "event", "_inst"]).aggregate(
        us=t.us.min(), started_us=start_us.min(), last_us=t.us.max(), transitions=t.count()
    )
    return per.select(
        "customer_id",
        "event",
        "us",
        queue_us=per.started_us - per.us,
        own_us=per.last_us - per.us,
        transitions=per.transitions,
    )
