"""Loops and back-tracking: customers going back to an earlier stage, again and again.

On each customer's tagged events with repeats of the same touchpoint collapsed, a **back step**
is a move from touchpoint L to touchpoint E of an earlier stage of the map. A customer **loops**
between E and L when they step back from L to E at least ``min_repeats`` times (default 2).
The comparable pool: customers who moved forward from E to L at least once (plus the loopers).
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import customer_order
from recorrido.insights.candidates import Candidates, rows


def candidates(journeys, options) -> Candidates:
    t = journeys.tagged
    runs = t.filter(t.prev_tp.isnull() | (t.prev_tp != t.touchpoint))
    order = customer_order(runs)
    runs = runs.mutate(
        from_tp=runs.touchpoint.lag().over(order), from_stage=runs.stage_index.lag().over(order)
    )
    back = runs.filter(runs.from_stage > runs.stage_index)
    back = back.mutate(cid=ibis.literal("loop|") + back.touchpoint + "|" + back.from_tp)
    per = back.group_by(["cid", "customer_id"]).aggregate(times=back.count(), us=back.us.min())
    loopers = per.filter(per.times >= options.min_repeats)
    affected = rows(loopers, loopers.cid, loopers.us)

    forward = runs.filter(runs.from_stage < runs.stage_index)
    forward = rows(
        forward, ibis.literal("loop|") + forward.from_tp + "|" + forward.touchpoint, forward.us
    )
    both = ibis.union(forward, affected)
    pool = both.group_by(["cid", "customer_id"]).aggregate(us=both.us.min())

    journey = journeys.journey

    def describe(cid: str) -> tuple[dict, dict]:
        _, earlier, later = cid.split("|", 2)
        where = {
            "touchpoint": earlier,
            "stage": journey.stage_of(earlier).id,
            "to_touchpoint": later,
            "to_stage": journey.stage_of(later).id,
        }
        params = {
            "earlier": journey.touchpoint(earlier).name,
            "later": journey.touchpoint(later).name,
            "times": options.min_repeats,
        }
        return where, params

    return Candidates("loop", affected, pool, describe)
