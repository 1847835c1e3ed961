"""Long waits: the time from a stage to the next, far above its usual.

Per customer and stage, the first event in the stage; the **wait** to the next stage (in map
order) is from the first event in this stage to the first in the next, over customers who reached
both, the next one later. A wait is **long** when it exceeds both ``wait_factor`` (default 4)
times the transition's exact median and ``min_wait`` (default 1 hour). The pool: every customer
with that wait.
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import median_by
from recorrido.insights.candidates import Candidates, rows
from recorrido.insights.journeys import HOUR_US


def stage_waits(journeys) -> ibis.Table:
    """``(customer_id, stage_index, first_us, wait_us)`` for consecutive stages reached."""
    t = journeys.tagged
    visits = t.group_by(["customer_id", "stage_index"]).aggregate(first_us=t.us.min())
    nxt = visits.view()
    pairs = visits.join(
        nxt,
        [visits.customer_id == nxt.customer_id, nxt.stage_index == visits.stage_index + 1],
    ).select(
        customer_id=visits.customer_id,
        stage_index=visits.stage_index,
        first_us=visits.first_us,
        wait_us=nxt.first_us - visits.first_us,
    )
    return pairs.filter(pairs.wait_us >= 0)


def candidates(journeys, options) -> Candidates:
    pairs = stage_waits(journeys)
    medians = median_by(pairs, ["stage_index"], "wait_us", "median_us").execute()
    usual = {int(r.stage_index): float(r.median_us) for r in medians.itertuples()}
    if not usual:
        return Candidates("wait", None, None)
    limits = {s: max(options.wait_factor * m, options.min_wait_us) for s, m in usual.items()}
    limit = pairs.stage_index.cases(*[(s, int(v)) for s, v in limits.items()], else_=None)
    cid = ibis.literal("wait|") + pairs.stage_index.cast("string")
    long = pairs.filter(pairs.wait_us > limit)
    affected = rows(long, ibis.literal("wait|") + long.stage_index.cast("string"), long.first_us)
    pool = rows(pairs, cid, pairs.first_us)

    journey = journeys.journey

    def describe(key: str) -> tuple[dict, dict]:
        index = int(key.split("|", 1)[1])
        here, there = journey.stages[index], journey.stages[index + 1]
        where = {"stage": here.id, "to_stage": there.id}
        params = {
            "stage": here.name,
            "next": there.name,
            "usual": _hours(usual[index]),
            "limit": _hours(limits[index]),
        }
        return where, params

    return Candidates("wait", affected, pool, describe)


def _hours(us: float) -> str:
    hours = us / HOUR_US
    if hours >= 48:
        return f"{hours / 24:.1f} d"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min"
