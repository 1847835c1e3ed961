"""Changes over time: a stage-to-stage transition whose rate shifts sharply for a period.

For each pair of consecutive stages up to the goal's stage, customers are grouped by the UTC day
they first reached the first stage; the day's **rate** is the share who later reached the next
stage. Days too recent to have had the time to move on (the last p90 of that transition's wait,
plus one day, before the measurement date) are left out. A day departs from the baseline when
its binomial z-score is beyond the Bonferroni critical value for all the days tested; departing
days of the same direction at most one day apart form a **period** (shorter than 80 % of the
days) and at least ``MIN_EXCESS`` (10) customers beyond or short of the baseline (a one-day blip
of a few customers is no drift). The affected customers are those who reached the stage during
the period; the pool, everyone who reached it on a tested day; the effect is on reaching the
goal, either way.
"""

from __future__ import annotations

from fractions import Fraction

import ibis

from recorrido.insights.candidates import Candidates, rows, union
from recorrido.insights.change_scan import MIN_EXCESS
from recorrido.insights.journeys import DAY_US, stage_visits
from recorrido.insights.stats import periods, z_for
from recorrido.insights.waits import stage_waits
from recorrido.measured.quantiles import nearest_rank_by


def candidates(journeys, options) -> Candidates:
    journey = journeys.journey
    goal_stage = journeys.goal_stage_index()
    last_from = (goal_stage if goal_stage is not None else len(journey.stages) - 1) - 1
    visits = stage_visits(journeys)
    visits = visits.filter(visits.stage_index <= last_from)
    waits = stage_waits(journeys)
    p90 = nearest_rank_by(waits, ["stage_index"], "wait_us", Fraction(9, 10), "p90").execute()
    horizon = {int(r.stage_index): int(r.p90) + DAY_US for r in p90.itertuples()}
    if not horizon:
        return Candidates("drift", None, None, harm_only=False)
    moved = waits.select("customer_id", "stage_index", moved=ibis.literal(1))
    cohort = visits.left_join(moved, ["customer_id", "stage_index"]).select(
        "customer_id", "stage_index", "first_us", "moved"
    )
    cutoff = cohort.stage_index.cases(
        *[(s, journeys.as_of_us - h) for s, h in horizon.items()], else_=None
    )
    cohort = cohort.filter(cohort.first_us <= cutoff)
    cohort = cohort.mutate(
        day=(cohort.first_us // DAY_US).cast("int64"), moved=cohort.moved.fill_null(0)
    )
    daily = (
        cohort.group_by(["stage_index", "day"])
        .aggregate(k=cohort.moved.sum(), n=cohort.count())
        .execute()
    )
    series: dict[int, list[tuple[int, int, int]]] = {}
    for r in daily.itertuples(index=False):
        series.setdefault(int(r.stage_index), []).append((int(r.day), int(r.k), int(r.n)))
    tests = sum(len(v) for v in series.values())
    z_day = z_for(options.alpha, tests)
    found: dict[str, tuple[int, int]] = {}
    details: dict[str, dict] = {}
    affected_parts, pool_parts = [], []
    for stage_index, days in series.items():
        span = len(days)
        for period in periods(days, z=z_day, gap=1, min_n=1):
            if period.last - period.first + 1 >= 0.8 * span:
                continue
            # A blip of a few customers is no drift: at least MIN_EXCESS customers beyond
            # (or short of) what the baseline rate gives.
            base = period.baseline_k / period.baseline_n if period.baseline_n else 0.0
            if abs(period.k - period.n * base) < MIN_EXCESS:
                continue
            cid = f"drift|{stage_index}|{period.first}|{period.last}"
            found[cid] = (period.first, period.last)
            details[cid] = {
                "rate": period.k / period.n if period.n else 0.0,
                "baseline": period.baseline_k / period.baseline_n if period.baseline_n else 0.0,
            }
            mine = cohort.filter(cohort.stage_index == stage_index)
            inside = mine.filter(mine.day >= period.first, mine.day <= period.last)
            affected_parts.append(rows(inside, ibis.literal(cid), inside.first_us))
            pool_parts.append(rows(mine, ibis.literal(cid), mine.first_us))

    def describe(key: str) -> tuple[dict, dict]:
        index = int(key.split("|")[1])
        here, there = journey.stages[index], journey.stages[index + 1]
        where = {"stage": here.id, "to_stage": there.id}
        params = {"stage": here.name, "next": there.name, **details[key]}
        return where, params

    return Candidates(
        "drift",
        union(affected_parts),
        union(pool_parts),
        describe,
        periods=found,
        harm_only=False,
        tests=0,
    )
