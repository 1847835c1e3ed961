"""Long waits: the time from a stage to the next, far above its usual.

Per customer and stage, the first event in the stage; the **wait** to the next stage (in map
order) is from the first event in this stage to the first in the next, over customers who reached
both, the next one later. A wait is **long** when it exceeds both ``wait_factor`` (default 4)
times the transition's exact median and ``min_wait`` (default 1 hour). The pool: every customer
with that wait.

The same between **consecutive touchpoints of one stage** (map order: ``where.touchpoint`` →
``where.to_touchpoint``), from the first event at one to the first at the next: a map, a
discovered one above all, often puts several steps in one stage. Failures (touchpoints whose
events all read as errors, :mod:`error_words`) are no steps here: the first payment failure
weeks after a first checkout is a failure of a later visit, not a slow step. Only pairs whose
usual wait is at most ``inactivity`` count (steps done in one go, not two unrelated recurring
events).

**After the goal** (transitions from the goal's stage on) the wait cannot change whether the
customer reached the goal: it is judged by whether the customer came back afterwards
(:mod:`recorrido.insights.later_outcome`), measured from the end of the wait, and its sentence
gives the time it cost (the affected customers' mean wait beyond the usual).
"""

from __future__ import annotations

from itertools import pairwise

import ibis

from recorrido.analytics.sequence import median_by
from recorrido.insights.candidates import Candidates, rows, union
from recorrido.insights.error_words import is_error_name
from recorrido.insights.journeys import HOUR_US, stage_visits, touchpoint_visits


def stage_waits(journeys) -> ibis.Table:
    """``(customer_id, stage_index, first_us, wait_us)`` for consecutive stages reached."""
    visits = stage_visits(journeys)
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
    stages = stage_candidates(journeys, options)
    steps = step_candidates(journeys, options)
    if steps.affected is None:
        return stages
    if stages.affected is None:
        return steps

    def pick(cid: str) -> Candidates:
        return steps if cid.startswith("wait|tp|") else stages

    return Candidates(
        "wait",
        union([stages.affected, steps.affected]),
        union([stages.pool, steps.pool]),
        lambda cid: pick(cid).describe(cid),
        after_goal=lambda cid: pick(cid).after_goal(cid),
    )


def step_candidates(journeys, options) -> Candidates:
    """Waits between consecutive touchpoints of one stage (map order): a discovered map puts
    several steps in one stage (identity check → risk assessment), and a slow step there is
    invisible to the stage-to-stage waits. Same rule: longer than ``wait_factor`` × the pair's
    exact median and than ``min_wait``."""
    journey = journeys.journey

    def is_step(tp) -> bool:
        # A failure (every event it matches reads as one) is no step one waits to reach: the
        # first payment failure weeks after a first checkout is a later visit's failure.
        names = tp.match.event if tp.match is not None else None
        failure = bool(names) and all(is_error_name(n, options.failure_patterns) for n in names)
        return tp.match is not None and not failure

    steps = [
        (a.id, b.id, index)
        for index, stage in enumerate(journey.stages)
        for a, b in pairwise([tp for tp in stage.touchpoints if is_step(tp)])
    ]
    if not steps:
        return Candidates("wait", None, None)
    firsts = touchpoint_visits(journeys)
    parts = []
    for a, b, _ in steps:
        here = firsts.filter(firsts.touchpoint == a)
        there = firsts.filter(firsts.touchpoint == b).rename(to_us="first_us", to_tp="touchpoint")
        pair = here.join(there, "customer_id").select(
            "customer_id",
            cid=ibis.literal(f"wait|tp|{a}|{b}"),
            first_us=here.first_us,
            wait_us=there.to_us - here.first_us,
        )
        parts.append(pair.filter(pair.wait_us >= 0))
    pairs = ibis.union(*parts) if len(parts) > 1 else parts[0]
    medians = median_by(pairs, ["cid"], "wait_us", "median_us").execute()
    # Two steps done in one go: a pair whose usual wait is longer than ``inactivity`` is two
    # unrelated recurring events (a renewal and a support contact months later), not a step.
    usual = {
        str(r.cid): float(r.median_us)
        for r in medians.itertuples()
        if float(r.median_us) <= options.inactivity_us
    }
    if not usual:
        return Candidates("wait", None, None)
    pairs = pairs.filter(pairs.cid.isin(list(usual)))
    limits = {c: max(options.wait_factor * m, options.min_wait_us) for c, m in usual.items()}
    limit = pairs.cid.cases(*[(c, int(v)) for c, v in limits.items()], else_=None)
    after_stage = {f"wait|tp|{a}|{b}": index for a, b, index in steps}
    goal_stage = journeys.goal_stage_index()
    later = [c for c, index in after_stage.items() if goal_stage is not None and index > goal_stage]
    pairs = pairs.mutate(
        met_us=ibis.cases(
            (pairs.cid.isin(later or [""]), pairs.first_us + pairs.wait_us),
            else_=pairs.first_us,
        )
    )
    long = pairs.filter(pairs.wait_us > limit)
    affected = rows(long, long.cid, long.met_us)
    pool = rows(pairs, pairs.cid, pairs.met_us)
    costs: dict[str, float] = {}

    def describe(key: str) -> tuple[dict, dict]:
        _, _, a, b = key.split("|", 3)
        if not costs:
            extra = long.group_by("cid").aggregate(mean=long.wait_us.mean()).execute()
            costs.update({str(r.cid): float(r.mean) for r in extra.itertuples()})
        cost = max(0.0, costs.get(key, usual[key]) - usual[key])
        where = {
            "touchpoint": a,
            "to_touchpoint": b,
            "stage": journey.stage_of(a).id,
            "time_cost_hours": cost / HOUR_US,
        }
        params = {
            "stage": journey.touchpoint(a).name,
            "next": journey.touchpoint(b).name,
            "usual": _hours(usual[key]),
            "limit": _hours(limits[key]),
            "cost": _hours(cost),
        }
        return where, params

    return Candidates("wait", affected, pool, describe, after_goal=lambda key: key in later)


def stage_candidates(journeys, options) -> Candidates:
    pairs = stage_waits(journeys)
    medians = median_by(pairs, ["stage_index"], "wait_us", "median_us").execute()
    usual = {int(r.stage_index): float(r.median_us) for r in medians.itertuples()}
    if not usual:
        return Candidates("wait", None, None)
    limits = {s: max(options.wait_factor * m, options.min_wait_us) for s, m in usual.items()}
    limit = pairs.stage_index.cases(*[(s, int(v)) for s, v in limits.items()], else_=None)
    goal_stage = journeys.goal_stage_index()
    after = goal_stage if goal_stage is not None else len(journeys.journey.stages)
    # After the goal the customer is judged from the end of the wait (see the module text).
    pairs = pairs.mutate(
        met_us=ibis.cases(
            (pairs.stage_index >= after, pairs.first_us + pairs.wait_us), else_=pairs.first_us
        )
    )
    cid = ibis.literal("wait|") + pairs.stage_index.cast("string")
    long = pairs.filter(pairs.wait_us > limit)
    affected = rows(long, ibis.literal("wait|") + long.stage_index.cast("string"), long.met_us)
    pool = rows(pairs, cid, pairs.met_us)

    journey = journeys.journey
    costs: dict[int, float] = {}

    def describe(key: str) -> tuple[dict, dict]:
        index = int(key.split("|", 1)[1])
        here, there = journey.stages[index], journey.stages[index + 1]
        if not costs:
            extra = long.group_by("stage_index").aggregate(mean=long.wait_us.mean()).execute()
            costs.update({int(r.stage_index): float(r.mean) for r in extra.itertuples()})
        where = {"stage": here.id, "to_stage": there.id}
        cost = max(0.0, costs.get(index, usual[index]) - usual[index])
        where["time_cost_hours"] = cost / HOUR_US
        params = {
            "stage": here.name,
            "next": there.name,
            "usual": _hours(usual[index]),
            "limit": _hours(limits[index]),
            "cost": _hours(cost),
        }
        return where, params

    return Candidates(
        "wait",
        affected,
        pool,
        describe,
        after_goal=lambda key: int(key.split("|", 1)[1]) >= after,
    )


def _hours(us: float) -> str:
    hours = us / HOUR_US
    if hours >= 48:
        return f"{hours / 24:.1f} d"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min"
