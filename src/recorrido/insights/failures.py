"""Repeated failures: error-like events (errors, rejections, retries) at a step, again and again.

An event is **error-like** when its name, lower-cased, contains one of the patterns (default:
error, fail, retry, rechaz, fallo, reintent, denied, declin, timeout, exception, invalid). Its
**step** is the customer's latest tagged touchpoint at or before it. A customer is affected at a
step when they have at least ``min_failures`` (default 2) error-like events there. The pool:
customers who reached that touchpoint.
"""

from __future__ import annotations

import re

import ibis

from recorrido.analytics.sequence import customer_order
from recorrido.insights.candidates import Candidates, rows


def pattern(options) -> str:
    return "|".join(re.escape(p.lower()) for p in options.failure_patterns)


def candidates(journeys, options) -> Candidates:
    if not options.failure_patterns:
        return Candidates("failure", None, None)
    e = journeys.events
    window = customer_order(e, rows=(None, 0))
    e = e.mutate(ctx=e.touchpoint.notnull().cast("int64").sum().over(window))
    errors = e.filter(e.event.lower().re_search(pattern(options)), e.ctx > 0)
    steps = journeys.tagged.select("customer_id", "tn", step=journeys.tagged.touchpoint)
    errors = errors.join(steps, [errors.customer_id == steps.customer_id, errors.ctx == steps.tn])
    errors = errors.mutate(cid=ibis.literal("failure|") + errors.step)
    per = errors.group_by(["cid", "customer_id"]).aggregate(
        times=errors.count(), us=errors.us.min()
    )
    failing = per.filter(per.times >= options.min_failures)
    affected = rows(failing, failing.cid, failing.us)
    t = journeys.tagged
    pool = rows(t, ibis.literal("failure|") + t.touchpoint, t.us)

    journey = journeys.journey
    names: dict[str, list[str]] = {}

    def describe(cid: str) -> tuple[dict, dict]:
        step = cid.split("|", 1)[1]
        if not names:
            counts = errors.group_by(["step", "event"]).aggregate(n=errors.count()).execute()
            counts = counts.sort_values(["step", "n", "event"], ascending=[True, False, True])
            for s, group in counts.groupby("step"):
                names[str(s)] = [str(x) for x in group["event"].head(3)]
        where = {
            "touchpoint": step,
            "stage": journey.stage_of(step).id,
            "events": names.get(step, []),
        }
        params = {
            "touchpoint": journey.touchpoint(step).name,
            "events": ", ".join(names.get(step, [])),
            "times": options.min_failures,
        }
        return where, params

    return Candidates("failure", affected, pool, describe)
