"""Which events behave like failures, whatever they are called.

A name is not the only sign of a failure: a silent one (a payment button that does nothing, a
form that loses its data) shows in what the customer does next. On each customer's events in
order (repeats of one event collapsed), an occurrence of event X, between P before it and N
after it, **signals a failure** when

- N is P again and P → X is the usual direction (customers go from P to X more often than from
  X to P): the customer had to **redo the previous step** (form → submit → form). Going back
  the other way is a step back in a loop (:mod:`recorrido.insights.event_loops`), not a
  failure of the later step; or
- N is a **support contact** (an event of an assisted touchpoint of the map, or whose name reads
  as one: support, chat, call, ticket, soporte, llamada, ...) within ``handoff_window``.

Some of that is normal (browsing goes list → product → list), so an event **behaves like a
failure** only when its share of signalled occurrences is far above the other events': at
least ``MIN_RATIO`` times their pooled share (events already judged failures left out of it)
and at least ``MIN_SHARE``, with at least ``MIN_CUSTOMERS`` customers signalling, and a
one-sided binomial test against that pooled share kept by Benjamini–Hochberg at ``alpha`` over
all the event names tested. Goal events, support
contacts and events whose name already reads as an error are not tested.

Only the *signalled* occurrences of such an event count as failures
(:mod:`recorrido.insights.failures`), so a customer who used the step without trouble is not
counted as failing there.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from scipy.special import ndtr

from recorrido.insights import event_runs
from recorrido.insights.discovery import ASSISTED_WORDS
from recorrido.insights.error_words import among, error_free, is_error_event
from recorrido.insights.stats import benjamini_hochberg

MIN_RATIO = 2.0
#: Low on purpose: a failure can hit one segment only (android customers with a promo code)
#: and be a small share of all the event's occurrences; the ratio, the test and the effect on
#: the goal (in the failure detector) guard against the normal.
MIN_SHARE = 0.05
MIN_CUSTOMERS = 10
MIN_OCCURRENCES = 20


def support_column(journeys, event: ibis.Value, touchpoint: ibis.Value) -> ibis.Value:
    """Whether an event (a column of ``journeys``' event names) is a support contact: of an
    assisted touchpoint, or a name that reads as one (tested once on the distinct names)."""
    assisted = [tp.id for tp in journeys.journey.touchpoints if tp.mode == "assisted"]
    names = journeys.names_where(
        "support", lambda name: name.lower().re_search(ASSISTED_WORDS.pattern.lower())
    )
    words = among(event, names)
    if assisted:
        words = words | touchpoint.isin(assisted).fill_null(False)
    return words.fill_null(False)


def occurrences(journeys, options) -> ibis.Table:
    """Every event (repeats of one event collapsed) with ``seq`` and ``signal``: whether this
    occurrence is followed by a redo of the previous step or by a support contact."""
    if error_free(journeys, options.failure_patterns):
        # The event loops collapse the same events: one kept copy serves both.
        runs = event_runs.shared(journeys, options)
    else:
        runs = event_runs.all_runs(journeys)
    # The usual direction of each pair of consecutive events, counted on the data.
    pairs = runs.filter(runs.before.notnull())
    pairs = pairs.group_by(["before", "event"]).aggregate(n=pairs.count())
    back = pairs.view().rename(back_before="before", back_event="event", back_n="n")
    usual = pairs.left_join(
        back, [pairs.before == back.back_event, pairs.event == back.back_before]
    )
    usual = usual.filter(usual.n > usual.back_n.fill_null(0)).select(
        "before", "event", forward=ibis.literal(True)
    )
    runs = runs.left_join(usual, ["before", "event"]).drop("before_right", "event_right")
    redo = runs.before.notnull() & (runs.after == runs.before) & runs.forward.fill_null(False)
    helped = support_column(journeys, runs.after, runs.after_tp) & (
        (runs.after_us - runs.us) <= options.handoff_window_us
    )
    testable = ~runs.is_goal & ~support_column(journeys, runs.event, runs.touchpoint)
    if options.failure_patterns:
        testable = testable & ~is_error_event(journeys, runs.event, options.failure_patterns)
    return runs.mutate(
        signal=(redo.fill_null(False) | helped.fill_null(False)) & testable.fill_null(False),
        testable=testable.fill_null(False),
    )


def shared_occurrences(journeys, options) -> ibis.Table:
    """:func:`occurrences` with the columns its readers use (this module and
    :mod:`recorrido.insights.failures`), worked out once per question: its windows run over
    every event (``Journeys.shared``)."""
    return journeys.shared(
        "failure_occurrences",
        lambda: occurrences(journeys, options).select(
            "customer_id", "seq", "event", "signal", "testable"
        ),
    )


def failing_events(journeys, options) -> list[str]:
    """The event names that behave like failures (see the module text)."""
    runs = shared_occurrences(journeys, options)
    runs = runs.filter(runs.testable)
    signalled = ibis.cases((runs.signal, runs.customer_id), else_=ibis.null("string"))
    frame = (
        runs.group_by("event")
        .aggregate(
            o=runs.count(),
            s=runs.signal.cast("int64").sum(),
            c=signalled.nunique(),
        )
        .execute()
    )
    return judge(frame, options.alpha)


def judge(frame: pd.DataFrame, alpha: float) -> list[str]:
    """From ``(event, o, s, c)`` per event (occurrences, signalled ones, customers signalling),
    the events whose signalled share stands out (a small, pure step, tested on its own).

    Each event is compared with the pooled share of the *other, ordinary* events: an event
    already judged to behave like a failure leaves the baseline and the test is run again,
    until nothing changes. Otherwise one event that signals on most of its many occurrences
    (a weekly recipe between two weekly deliveries reads as a redo) lifts the baseline of every
    other event, and a failure of a smaller step (a promo code on one platform) is hidden
    behind it."""
    frame = frame[frame.o >= MIN_OCCURRENCES]
    if len(frame) < 2:
        return []
    o, s = frame.o.to_numpy(dtype=float), frame.s.to_numpy(dtype=float)
    customers = frame.c.to_numpy(dtype=int)
    share = s / o
    failing = np.zeros(len(frame), dtype=bool)
    # Each round only adds events (a lower baseline flags more), so at most one per event.
    for _ in range(len(frame)):
        ordinary = ~failing
        base_o, base_s = float(o[ordinary].sum()), float(s[ordinary].sum())
        rest = base_o - np.where(ordinary, o, 0.0)
        rest_s = base_s - np.where(ordinary, s, 0.0)
        rest = np.maximum(rest, 1.0)
        p0 = np.clip(rest_s / rest, 0.5 / rest, 1 - 0.5 / rest)
        z = (s - o * p0) / np.sqrt(o * p0 * (1 - p0))
        keep = np.asarray(benjamini_hochberg([float(x) for x in ndtr(-z)], alpha), dtype=bool)
        now = keep & (share >= MIN_SHARE) & (share >= MIN_RATIO * p0) & (customers >= MIN_CUSTOMERS)
        if not (now & ~failing).any():
            break
        failing |= now
    return sorted(str(name) for name, flag in zip(frame.event, failing, strict=True) if flag)
