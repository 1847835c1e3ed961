"""Repeated failures: error-like events (errors, rejections, retries) at a step, again and again.

An event is **error-like** when its name, lower-cased, contains one of the patterns (default: the
bilingual vocabulary of :mod:`recorrido.insights.error_words`), whether or not the map made it a
touchpoint. Its **step** is the customer's latest tagged event at or before it that is not itself
error-like. A customer is affected at a
step when they have at least ``min_failures`` (default 2) error-like events there. The pool:
customers who reached that touchpoint.
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import customer_order
from recorrido.insights.candidates import Candidates, rows
from recorrido.insights.error_words import is_error_column
from recorrido.insights.error_words import pattern as error_pattern


def pattern(options) -> str:
    return error_pattern(tuple(options.failure_patterns))


def candidates(journeys, options) -> Candidates:
    if not options.failure_patterns:
        return Candidates("failure", None, None)
    e = journeys.events
    e = e.mutate(is_error=is_error_column(e.event, options.failure_patterns))
    # A step is a tagged event that is not itself error-like: an error event the map made a
    # touchpoint (a discovered map does) is still a failure, at the step before it.
    e = e.mutate(is_step=e.touchpoint.notnull() & ~e.is_error)
    window = customer_order(e, rows=(None, 0))
    e = e.mutate(ctx=e.is_step.cast("int64").sum().over(window))
    errors = e.filter(e.is_error, e.ctx > 0)
    steps = e.filter(e.is_step)
    steps = steps.select(
        "customer_id",
        step=steps.touchpoint,
        sn=ibis.row_number().over(customer_order(steps)) + 1,
    )
    errors = errors.join(steps, [errors.customer_id == steps.customer_id, errors.ctx == steps.sn])
    errors = errors.mutate(cid=ibis.literal("failure|") + errors.step)
    per = errors.group_by(["cid", "customer_id"]).aggregate(
        times=errors.count(), us=errors.us.min()
    )
    failing = per.filter(per.times >= options.min_failures)
    affected = rows(failing, failing.cid, failing.us)
    t = e.filter(e.is_step)
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
