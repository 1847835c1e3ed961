"""Abandonment points: the touchpoint after which customers go quiet, more than elsewhere.

A customer **went quiet** at touchpoint T when T is their last tagged event, they never reached
the goal, and their silence (from their last event to the measurement date) is longer than the
stage's normal: the larger of ``inactivity`` (default 7 days) and the 95th percentile
(nearest rank) of the gaps between an event of that stage and the customer's next tagged event.
Customers neither converted nor quiet (still active) are left out.

Not friction, so left out: **prospects who never start** (customers with no tagged event past
the first stage: their exit is the normal exit of browsers; the first stage's touchpoints then
leave the comparison, as nobody is counted stopping there; kept when the goal is in the first
or second stage, where nothing would be left), the touchpoints of the goal's
stage (the goal and the other endings a discovered map puts beside it: declined, cancelled) and
any touchpoint whose name says the journey ends there by design (``ENDING_WORDS``).

For each touchpoint before the goal's stage, the share of its decided
visitors who went quiet there is compared with the pooled share over the other such touchpoints
(visits counted per touchpoint). The "success" compared is going on; the reported customers are
those who went quiet there.
"""

from __future__ import annotations

import re
from fractions import Fraction

import ibis
import pandas as pd

from recorrido.insights.candidates import Candidates, rows
from recorrido.insights.journeys import touchpoint_visits
from recorrido.measured.quantiles import nearest_rank_by

#: A touchpoint whose name says the journey ends there by design (a cancellation, a decline, a
#: delivery) is an outcome: stopping after it is not going quiet.
ENDING_WORDS = re.compile(
    r"cancel|anul|declin|rechaz|deneg|denied|reject|delivered|entregad|closed|cerrad|finaliz",
    re.IGNORECASE,
)


def candidates(journeys, options) -> Candidates:
    journey = journeys.journey
    goal_stage = journeys.goal_stage_index()
    goal_tp = journey.goal.touchpoint if journey.goal else None
    eligible = [
        tp.id
        for index, stage in enumerate(journey.stages)
        if (goal_stage is None or index < goal_stage) and (index > 0 or goal_stage in (0, 1))
        for tp in stage.touchpoints
        if tp.id != goal_tp and not ENDING_WORDS.search(f"{tp.id} {tp.name}")
    ]
    t = journeys.tagged
    # Prospects who never start (no tagged event past the first stage) leave as prospects do.
    reach = t.group_by("customer_id").aggregate(top=t.stage_index.max())
    # (The first stage's touchpoints then leave the comparison: nobody can stop there.)
    prospects_out = goal_stage not in (0, 1)
    started = reach.filter(reach.top > 0).select("customer_id") if prospects_out else reach
    gaps = t.filter(t.next_us.notnull()).mutate(gap=t.next_us - t.us)
    p95 = nearest_rank_by(gaps, ["stage_index"], "gap", Fraction(19, 20), "p95").execute()
    normal = {int(r.stage_index): max(int(r.p95), options.inactivity_us) for r in p95.itertuples()}

    last = t.group_by("customer_id").aggregate(
        last_tp=t.touchpoint.argmax(t.tn), last_stage=t.stage_index.argmax(t.tn)
    )
    people = journeys.people.join(last, "customer_id")
    threshold = (
        people.last_stage.cases(*[(s, v) for s, v in normal.items()], else_=options.inactivity_us)
        if normal
        else ibis.literal(options.inactivity_us)
    )
    silent = (journeys.as_of_us - people.last_us) > threshold
    people = people.mutate(quiet=(~people.converted) & silent)
    decided = people.filter(people.converted | people.quiet)
    decided = decided.semi_join(started, "customer_id") if prospects_out else decided
    # Read by the counts below and by the rows of a finding (its dates, segment, examples):
    # each customer's last tagged event is worked out once.
    decided = journeys.shared(
        "abandonment_decided", lambda: decided.select("customer_id", "quiet", "last_tp", "last_us")
    )

    visits = touchpoint_visits(journeys)
    keep = visits.touchpoint.isin(eligible) if eligible else ibis.literal(False)
    visits = visits.filter(keep).select("customer_id", "touchpoint", us=visits.first_us)
    visits = visits.join(decided, "customer_id")
    visits = visits.mutate(stopped=visits.quiet & (visits.last_tp == visits.touchpoint))
    cid = ibis.literal("abandonment|") + visits.touchpoint
    pool = rows(visits, cid, visits.us)
    quitters = visits.filter(visits.stopped)
    affected = rows(quitters, ibis.literal("abandonment|") + quitters.touchpoint, quitters.last_us)

    per = (
        visits.group_by("touchpoint")
        .aggregate(n=visits.count(), q=visits.stopped.cast("int64").sum())
        .execute()
    )
    stats = pd.DataFrame(columns=["cid", "n_aff", "k_aff", "n_cmp", "k_cmp", "customers"])
    if not per.empty:
        total_n, total_q = int(per.n.sum()), int(per.q.sum())
        stats = pd.DataFrame(
            {
                "cid": "abandonment|" + per.touchpoint.astype(str),
                "n_aff": per.n.astype("int64"),
                "k_aff": (per.n - per.q).astype("int64"),
                "n_cmp": (total_n - per.n).astype("int64"),
                "k_cmp": ((total_n - per.n) - (total_q - per.q)).astype("int64"),
                "customers": per.q.astype("int64"),
            }
        )
    shares = (
        {str(r.touchpoint): (int(r.q), int(r.n)) for r in per.itertuples()} if not per.empty else {}
    )

    def describe(key: str) -> tuple[dict, dict]:
        tp = key.split("|", 1)[1]
        q, n = shares[tp]
        rest_q = sum(v[0] for k, v in shares.items() if k != tp)
        rest_n = sum(v[1] for k, v in shares.items() if k != tp)
        where = {"touchpoint": tp, "stage": journey.stage_of(tp).id}
        params = {
            "touchpoint": journey.touchpoint(tp).name,
            "share": q / n if n else 0.0,
            "normal": rest_q / rest_n if rest_n else 0.0,
        }
        return where, params

    return Candidates("abandonment", affected, pool, describe, stats=stats)
