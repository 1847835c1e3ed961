"""Repeated failures: error-like events (errors, rejections, retries) at a step, again and again.

An event is **error-like** when its name, lower-cased, contains one of the patterns (default: the
bilingual vocabulary of :mod:`recorrido.insights.error_words`), whether or not the map made it a
touchpoint. An event also counts as a failure by **behaviour**: an occurrence followed by a redo
of the previous step or by a support contact, of an event whose occurrences do that far more
often than the others' (:mod:`recorrido.insights.failure_behaviour`). Its **step** is the
customer's latest tagged event at or before it that is not itself a failure. A customer is
affected at a
step when they have at least ``min_failures`` (default 2) error-like events there. An
error-like event of an outcome touchpoint beside the goal (the goal's stage: a loan declined) is
an outcome, not a failure. Failures after the customer reached the goal are a place of their own
(cid ending ``|after``), judged by coming back (:mod:`recorrido.insights.later_outcome`). The pool:
customers who reached that touchpoint.
"""

from __future__ import annotations

import ibis

from recorrido.insights.candidates import Candidates, rows
from recorrido.insights.error_words import is_error_event
from recorrido.insights.error_words import pattern as error_pattern
from recorrido.insights.journeys import seq_order


def pattern(options) -> str:
    return error_pattern(tuple(options.failure_patterns))


def candidates(journeys, options) -> Candidates:
    from recorrido.insights import failure_behaviour

    behaving = failure_behaviour.failing_events(journeys, options)
    if not options.failure_patterns and not behaving:
        return Candidates("failure", None, None)
    e = journeys.events
    is_error = is_error_event(journeys, e.event, options.failure_patterns)
    if behaving:
        runs = failure_behaviour.shared_occurrences(journeys, options)
        signalled = runs.filter(runs.signal, runs.event.isin(behaving))
        signalled = signalled.select("customer_id", "seq", silent=ibis.literal(True))
        e = e.left_join(signalled, ["customer_id", "seq"]).drop("customer_id_right", "seq_right")
        is_error = is_error | e.silent.fill_null(False)
    # An outcome beside the goal (a loan declined, an order cancelled: the goal's stage of a
    # discovered map) ends the journey by design: no failure at a step, whatever its name.
    journey = journeys.journey
    goal_tp = journey.goal.touchpoint if journey.goal else None
    goal_stage = journeys.goal_stage_index()
    outcomes = (
        [tp.id for tp in journey.stages[goal_stage].touchpoints if tp.id != goal_tp]
        if goal_stage is not None
        else []
    )
    if outcomes:
        is_error = is_error & ~e.touchpoint.isin(outcomes).fill_null(False)
    e = e.mutate(is_error=is_error)
    # A step is a tagged event that is not itself error-like: an error event the map made a
    # touchpoint (a discovered map does) is still a failure, at the step before it.
    e = e.mutate(is_step=e.touchpoint.notnull() & ~e.is_error)
    window = seq_order(e, rows=(None, 0))
    e = e.mutate(ctx=e.is_step.cast("int64").sum().over(window))
    errors = e.filter(e.is_error, e.ctx > 0)
    # A step's own ``ctx`` is its place among the customer's steps (the running count of
    # steps includes it): no second window to number them.
    steps = e.filter(e.is_step)
    steps = steps.select("customer_id", step=steps.touchpoint, sn=steps.ctx)
    errors = errors.join(steps, [errors.customer_id == steps.customer_id, errors.ctx == steps.sn])
    # Failures after the customer reached the goal (at the goal's step or later) are judged
    # apart, by coming back (later_outcome): their cid ends in "|after".
    goals = journeys.people.select("customer_id", "goal_us")
    errors = errors.join(goals, "customer_id")
    late = errors.goal_us.notnull() & (errors.us >= errors.goal_us)
    errors = errors.mutate(
        cid=ibis.literal("failure|")
        + errors.step
        + ibis.cases((late, ibis.literal("|after")), else_=ibis.literal(""))
    )
    per = errors.group_by(["cid", "customer_id"]).aggregate(
        times=errors.count(), us=errors.us.min()
    )
    failing = per.filter(per.times >= options.min_failures)
    affected = rows(failing, failing.cid, failing.us)
    t = e.filter(e.is_step).join(goals, "customer_id")
    late = t.goal_us.notnull() & (t.us >= t.goal_us)
    pool = rows(
        t,
        ibis.literal("failure|")
        + t.touchpoint
        + ibis.cases((late, ibis.literal("|after")), else_=ibis.literal("")),
        t.us,
    )
    names: dict[str, list[str]] = {}

    def describe(cid: str) -> tuple[dict, dict]:
        step = cid.split("|")[1]
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
        silent = [name for name in names.get(step, []) if name in behaving]
        if silent:  # failures seen in what customers did next, not in the event's name
            where["by_behaviour"] = silent
        params = {
            "touchpoint": journey.touchpoint(step).name,
            "events": ", ".join(names.get(step, [])),
            "times": options.min_failures,
        }
        return where, params

    from recorrido.insights.later_outcome import touchpoint_after

    after = touchpoint_after(journeys)

    def after_goal(cid: str) -> bool:
        return cid.endswith("|after") or after(cid.split("|")[1])

    return Candidates("failure", affected, pool, describe, after_goal=after_goal)
