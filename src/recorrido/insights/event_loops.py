"""Loops between two events, whatever the map says: back and forth between A and B.

A map can hide a loop: two checkout steps grouped into one touchpoint, or two steps of one
stage. Here the customer's events themselves are read (repeats of the same event collapsed):
a **return** is an event A whose event two places earlier was also A, with another event B in
between (A → B → A). A B A B holds two returns and is one step back; each further
back-and-forth adds two. A customer **loops** on the pair {A, B} when they stepped back at
least ``min_repeats`` times (default 2): ``2 × min_repeats − 1`` returns or more.
The comparable pool: customers who did A directly followed by B (either order) at least once.
``where.channel`` is the commonest channel of the returning events:
where the loop happens, not the customer's first channel.

Pairs whose two events are different touchpoints are left to the map-level loops
(:mod:`recorrido.insights.loops`). Only pairs of error-free events count (a failure followed
by a retry is the failure detector's), and only pairs at least ``MIN_PAIR_CUSTOMERS``
customers did.
"""

from __future__ import annotations

import ibis

from recorrido.insights import event_runs
from recorrido.insights.candidates import Candidates, rows
from recorrido.insights.error_words import error_free, is_error_event

MIN_PAIR_CUSTOMERS = 10


def steps(journeys, options) -> ibis.Table:
    """Each customer's error-free events, repeats collapsed, with the pair ``cid`` of each
    event and the one before it, and whether it is a return (``is_return``).

    The loops here and the loop series of :mod:`recorrido.insights.changes` both read it.
    When some events read as errors it takes four windows over every event, and is worked out
    once per question (``Journeys.shared``), with only the columns they read (``properties``
    when segments are asked for). Without such events it is a projection of the collapse the
    question keeps already (:func:`event_runs.shared`): read where it is, as a copy of its
    830,000 rows at 1 M events cost more (0.3 CPU s) than its three readers working out its
    two columns again."""
    columns = ["customer_id", "us", "seq", "event", "touchpoint", "channel"]
    columns += ["cid", "before", "is_return"]
    if options.segment_by:
        columns.append("properties")
    if error_free(journeys, options.failure_patterns):
        return _steps(journeys, options).select(*columns)
    return journeys.shared("event_loop_steps", lambda: _steps(journeys, options).select(*columns))


def _steps(journeys, options) -> ibis.Table:
    if error_free(journeys, options.failure_patterns):
        # No event to leave out: the same collapse as the failures' behaviour reads, kept once.
        runs = event_runs.shared(journeys, options)
    else:
        e = journeys.events
        runs = event_runs.runs(
            e.filter(~is_error_event(journeys, e.event, options.failure_patterns))
        )
    low = ibis.cases((runs.event < runs.before, runs.event), else_=runs.before)
    high = ibis.cases((runs.event < runs.before, runs.before), else_=runs.event)
    runs = runs.mutate(cid=ibis.literal("loop|event|") + low + "|" + high)
    # Two events of different touchpoints: the map-level loops see them already.
    same_place = runs.touchpoint.isnull() | runs.before_tp.isnull()
    same_place = same_place | (runs.touchpoint == runs.before_tp)
    return runs.mutate(is_return=(runs.two_before == runs.event) & same_place)


def returns(journeys, options) -> ibis.Table:
    """The events that are returns (see the module text), each with its pair as ``cid``."""
    runs = steps(journeys, options)
    return runs.filter(runs.is_return)


def candidates(journeys, options) -> Candidates:
    runs = steps(journeys, options)
    back = runs.filter(runs.is_return)
    per = back.group_by(["cid", "customer_id"]).aggregate(times=back.count(), us=back.us.min())
    # A B A B is one step back (two returns); each further back-and-forth adds two.
    loopers = per.filter(per.times >= 2 * options.min_repeats - 1)
    affected = rows(loopers, loopers.cid, loopers.us)
    moved = runs.filter(runs.before.notnull())
    pool_rows = rows(moved, moved.cid, moved.us)
    sizes = pool_rows.group_by("cid").aggregate(n=pool_rows.count())
    wide = sizes.filter(sizes.n >= MIN_PAIR_CUSTOMERS).select("cid")
    pool = pool_rows.join(wide, "cid")
    affected = affected.join(wide, "cid")
    channels = back.join(loopers.select("cid", "customer_id"), ["cid", "customer_id"])
    channels = channels.group_by(["cid", "channel"]).aggregate(n=channels.count())
    located: dict[str, str] = {}

    def describe(cid: str) -> tuple[dict, dict]:
        if not located:
            frame = channels.execute()
            frame = frame.sort_values(["cid", "n", "channel"], ascending=[True, False, True])
            for key, group in frame.groupby("cid"):
                located[str(key)] = str(group["channel"].iloc[0])
            located.setdefault("", "")
        _, _, first, second = cid.split("|", 3)
        where = {"events": [first, second]}
        if located.get(cid):
            where["channel"] = located[cid]
        params = {"earlier": first, "later": second, "times": options.min_repeats}
        return where, params

    from recorrido.insights.later_outcome import events_after

    after = events_after(journeys)
    return Candidates(
        "loop",
        affected,
        pool,
        describe,
        after_goal=lambda cid: after(cid.split("|", 3)[2:]),
    )
